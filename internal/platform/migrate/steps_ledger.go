package migrate

import (
	"context"

	"github.com/liveshop/liveshop/internal/platform/db"
)

// ledgerHolds adds pending transfers (holds) to the ledger: an account's held debits
// and credits beside its balance, a protected account's balance net of holds kept on
// its side of zero, and the transfer that posts or voids a hold (at most one). Then
// when each order's money becomes available to its shop and creators, and payouts.
func ledgerHolds(ctx context.Context, tx *db.Tx) error {
	// A protected account may not cross zero even counting what is held against it.
	const holds = `pending_debit >= 0 AND pending_credit <= 0 AND (NOT no_overdraft OR
		(normal = 'debit' AND balance + pending_credit >= 0) OR (normal = 'credit' AND balance + pending_debit <= 0))`
	stmts := []string{`ALTER TABLE ledger_accounts ADD COLUMN pending_debit BIGINT NOT NULL DEFAULT 0`}
	if tx.Engine() == db.Postgres {
		stmts = append(stmts, `ALTER TABLE ledger_accounts ADD COLUMN pending_credit BIGINT NOT NULL DEFAULT 0`,
			`ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_holds CHECK (`+holds+`)`)
	} else {
		// SQLite adds no table constraints to a table; a column's CHECK may read the row.
		stmts = append(stmts, `ALTER TABLE ledger_accounts ADD COLUMN pending_credit BIGINT NOT NULL DEFAULT 0 CHECK (`+holds+`)`)
	}
	stmts = append(stmts,
		// pending: the transfer is a hold. pending_id and resolution: the transfer posts
		// ('post') or voids ('void') that hold; the unique index resolves a hold once.
		`ALTER TABLE ledger_transfers ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE`,
		`ALTER TABLE ledger_transfers ADD COLUMN pending_id BIGINT`,
		`ALTER TABLE ledger_transfers ADD COLUMN resolution TEXT NOT NULL DEFAULT ''`,
		`CREATE UNIQUE INDEX ledger_transfers_resolves ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL`,
		`CREATE INDEX ledger_transfers_created ON ledger_transfers (created_at)`,
		// One row per order and payee (its shop, each creator on it): when the payee's
		// share becomes available, and when it was released.
		`CREATE TABLE ledger_settlements (
			order_id BIGINT NOT NULL,
			owner_kind TEXT NOT NULL CHECK (owner_kind IN ('shop', 'creator')),
			owner_id BIGINT NOT NULL,
			shop_id BIGINT NOT NULL,
			market TEXT NOT NULL,
			currency TEXT NOT NULL,
			delivered_at BIGINT NOT NULL,
			delay_days INTEGER NOT NULL CHECK (delay_days >= 0),
			delay_reason TEXT NOT NULL,
			available_at BIGINT NOT NULL,
			released_at BIGINT NOT NULL DEFAULT 0,
			released BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (order_id, owner_kind, owner_id)
		)`,
		`CREATE INDEX ledger_settlements_due ON ledger_settlements (released_at, available_at)`,
		`CREATE INDEX ledger_settlements_owner ON ledger_settlements (owner_kind, owner_id, available_at)`,
		// A payout holds its amount (a pending transfer) until the provider answers.
		`CREATE TABLE ledger_payouts (
			id BIGINT PRIMARY KEY,
			owner_kind TEXT NOT NULL CHECK (owner_kind IN ('shop', 'creator')),
			owner_id BIGINT NOT NULL,
			currency TEXT NOT NULL,
			amount BIGINT NOT NULL CHECK (amount > 0),
			destination TEXT NOT NULL,
			status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
			provider TEXT NOT NULL,
			provider_ref TEXT NOT NULL DEFAULT '',
			failure TEXT NOT NULL DEFAULT '',
			hold_id BIGINT NOT NULL REFERENCES ledger_transfers (id),
			created_at BIGINT NOT NULL,
			settled_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX ledger_payouts_owner ON ledger_payouts (owner_kind, owner_id, id)`,
		`CREATE INDEX ledger_payouts_status ON ledger_payouts (status, id)`,
	)
	return SQL(stmts...)(ctx, tx)
}
