package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

func insertAccount(ctx context.Context, tx *db.Tx, a Account, hash string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		a.ID, a.Email, a.DisplayName, hash, db.Micros(a.CreatedAt)); err != nil {
		return err
	}
	for _, r := range a.Roles {
		if err := insertRole(ctx, tx, a.ID, r); err != nil {
			return err
		}
	}
	return nil
}

func insertRole(ctx context.Context, tx *db.Tx, account id.ID, r auth.Role) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO account_roles (account_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING`, account, string(r))
	return err
}

func loadRoles(ctx context.Context, q db.Querier, account id.ID) ([]auth.Role, error) {
	rows, err := q.QueryContext(ctx, `SELECT role FROM account_roles WHERE account_id = $1`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var have []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		have = append(have, r)
	}
	return canonicalRoles(have), rows.Err()
}

// canonicalRoles puts stored roles in the canonical order, so pages and tests see a
// stable list.
func canonicalRoles(have []string) []auth.Role {
	var out []auth.Role
	for _, r := range auth.AllRoles {
		for _, h := range have {
			if string(r) == h {
				out = append(out, r)
			}
		}
	}
	return out
}

// accountBy loads an account and its password hash by a column: "id" or "email".
func accountBy(ctx context.Context, q db.Querier, column string, v any) (Account, string, error) {
	var a Account
	var hash string
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, email, display_name, password_hash, created_at FROM accounts WHERE `+column+` = $1`, v).
		Scan(&a.ID, &a.Email, &a.DisplayName, &hash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, "", ErrAccountNotFound
	}
	if err != nil {
		return Account{}, "", fmt.Errorf("identity: load account: %w", err)
	}
	a.CreatedAt = db.Time(created)
	a.canLogin = hash != ""
	if a.Roles, err = loadRoles(ctx, q, a.ID); err != nil {
		return Account{}, "", err
	}
	return a, hash, nil
}

// actorBy resolves a stored secret hash in table ("sessions" or "api_tokens") to the
// actor it belongs to, if it has not expired, and says when it expires. csrf is read
// for sessions only. One query, a row per role: every request without a cached
// credential runs it.
func actorBy(ctx context.Context, q db.Querier, table, hash string, now time.Time) (auth.Actor, time.Time, error) {
	csrfCol := "''"
	if table == "sessions" {
		csrfCol = "s.csrf_token"
	}
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.display_name, `+csrfCol+`, s.expires_at, r.role FROM `+table+` s
		JOIN accounts a ON a.id = s.account_id LEFT JOIN account_roles r ON r.account_id = s.account_id
		WHERE s.token_hash = $1 AND s.expires_at > $2`, hash, db.Micros(now))
	if err != nil {
		return auth.Actor{}, time.Time{}, fmt.Errorf("identity: resolve %s: %w", table, err)
	}
	defer rows.Close()
	var a auth.Actor
	var expires int64
	var have []string
	for rows.Next() {
		var role sql.NullString
		if err := rows.Scan(&a.AccountID, &a.Name, &a.CSRF, &expires, &role); err != nil {
			return auth.Actor{}, time.Time{}, fmt.Errorf("identity: resolve %s: %w", table, err)
		}
		if role.Valid {
			have = append(have, role.String)
		}
	}
	if err := rows.Err(); err != nil {
		return auth.Actor{}, time.Time{}, fmt.Errorf("identity: resolve %s: %w", table, err)
	}
	if a.AccountID == 0 {
		return auth.Actor{}, time.Time{}, ErrBadCredentials
	}
	a.Roles = canonicalRoles(have)
	return a, db.Time(expires), nil
}
