package identity

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Service manages accounts, sessions, tokens and follows.
type Service struct {
	db  *db.DB
	log *slog.Logger
	now func() time.Time
	// actors remembers resolved sessions and tokens for a few seconds: every request
	// presents one, and most clients send several in a row.
	actors *actorCache

	// SecureCookies marks session cookies Secure (HTTPS only). Set it whenever liveshop
	// is served over HTTPS, which is every deployment but a laptop.
	SecureCookies bool
}

// NewService returns an identity service over d.
func NewService(d *db.DB, log *slog.Logger) *Service {
	return &Service{db: d, log: log, now: time.Now, actors: newActorCache(DefaultActorCacheTTL)}
}

// SetActorCacheTTL sets how long this node trusts a session or token it has resolved
// before reading it again (DefaultActorCacheTTL unless set; 0 reads it on every
// request). Logout, RevokeToken and role changes on this node take effect at once
// whatever the TTL; on other nodes sharing the database they take up to the TTL. Call
// it before serving.
func (s *Service) SetActorCacheTTL(ttl time.Duration) { s.actors = newActorCache(ttl) }

// RegisterInput is what a person gives to open an account.
type RegisterInput struct {
	Email       string      `json:"email"`
	Password    string      `json:"password"`
	DisplayName string      `json:"display_name"`
	Roles       []auth.Role `json:"roles"`
}

// selfServiceRoles are the roles anyone may take; operators are appointed.
var selfServiceRoles = []auth.Role{auth.Shopper, auth.Seller, auth.Creator}

// Register opens an account. Every account can shop; sellers and creators add their
// role here or later with AddRole. The operator role cannot be self-assigned.
func (s *Service) Register(ctx context.Context, in RegisterInput) (Account, error) {
	for _, r := range in.Roles {
		if !r.Valid() {
			return Account{}, ErrUnknownRole.With("unknown role %q; roles are shopper, seller, creator", r)
		}
		if !slices.Contains(selfServiceRoles, r) {
			return Account{}, ErrRoleNotAllowed.With("the %s role is granted by an operator", r)
		}
	}
	if err := checkPasswordRules(in.Password); err != nil {
		return Account{}, err
	}
	return s.create(ctx, in.Email, in.DisplayName, in.Password, in.Roles)
}

// Provision creates an account on the platform's own authority: the operator accounts
// of a new installation, or accounts imported without a password (which cannot log in
// until one is set). It is not reachable over HTTP.
func (s *Service) Provision(ctx context.Context, email, displayName, password string, roles ...auth.Role) (Account, error) {
	if password != "" {
		if err := checkPasswordRules(password); err != nil {
			return Account{}, err
		}
	}
	return s.create(ctx, email, displayName, password, roles)
}

func (s *Service) create(ctx context.Context, email, displayName, password string, roles []auth.Role) (Account, error) {
	email, err := normaliseEmail(email)
	if err != nil {
		return Account{}, err
	}
	name, err := checkDisplayName(displayName)
	if err != nil {
		return Account{}, err
	}
	hash := ""
	if password != "" {
		if hash, err = hashPassword(password); err != nil {
			return Account{}, err
		}
	}
	if !slices.Contains(roles, auth.Shopper) {
		roles = append([]auth.Role{auth.Shopper}, roles...)
	}
	a := Account{ID: id.New(), Email: email, DisplayName: name, CreatedAt: s.now().UTC(), canLogin: hash != ""}
	for _, r := range auth.AllRoles { // canonical order, no duplicates
		if slices.Contains(roles, r) {
			a.Roles = append(a.Roles, r)
		}
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error { return insertAccount(ctx, tx, a, hash) })
	if db.IsUniqueViolation(err) {
		return Account{}, ErrEmailTaken
	}
	if err != nil {
		return Account{}, fmt.Errorf("identity: create account: %w", err)
	}
	return a, nil
}

// Account returns an account by id.
func (s *Service) Account(ctx context.Context, accountID id.ID) (Account, error) {
	a, _, err := accountBy(ctx, s.db, "id", accountID)
	return a, err
}

// AccountByEmail returns an account by email.
func (s *Service) AccountByEmail(ctx context.Context, email string) (Account, error) {
	e, err := normaliseEmail(email)
	if err != nil {
		return Account{}, err
	}
	a, _, err := accountBy(ctx, s.db, "email", e)
	return a, err
}

// AddRole gives the actor a self-service role (a shopper starting to sell, say).
func (s *Service) AddRole(ctx context.Context, actor auth.Actor, r auth.Role) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	if !r.Valid() {
		return ErrUnknownRole
	}
	if !slices.Contains(selfServiceRoles, r) {
		return ErrRoleNotAllowed.With("the %s role is granted by an operator", r)
	}
	defer s.actors.forgetAccount(actor.AccountID) // the new role counts from the next request
	return s.db.RunInTx(ctx, func(tx *db.Tx) error { return insertRole(ctx, tx, actor.AccountID, r) })
}

// GrantRole gives any role to an account. Operators only.
func (s *Service) GrantRole(ctx context.Context, actor auth.Actor, accountID id.ID, r auth.Role) error {
	if err := actor.Require(auth.Operator); err != nil {
		return err
	}
	if !r.Valid() {
		return ErrUnknownRole
	}
	if _, err := s.Account(ctx, accountID); err != nil {
		return err
	}
	s.log.Info("role granted", "account", accountID, "role", r, "by", actor.AccountID)
	defer s.actors.forgetAccount(accountID)
	return s.db.RunInTx(ctx, func(tx *db.Tx) error { return insertRole(ctx, tx, accountID, r) })
}

// authenticate checks an email and password, taking the same time whether or not the
// email exists.
func (s *Service) authenticate(ctx context.Context, email, password string) (Account, error) {
	e, err := normaliseEmail(email)
	if err != nil {
		return Account{}, ErrBadCredentials
	}
	a, hash, err := accountBy(ctx, s.db, "email", e)
	if errs.KindOf(err) == errs.NotFound || (err == nil && hash == "") {
		_, _ = checkPassword(password, dummyHash)
		return Account{}, ErrBadCredentials
	}
	if err != nil {
		return Account{}, err
	}
	ok, err := checkPassword(password, hash)
	if err != nil {
		return Account{}, err
	}
	if !ok {
		return Account{}, ErrBadCredentials
	}
	return a, nil
}

// Login checks credentials and opens a browser session.
func (s *Service) Login(ctx context.Context, email, password string) (Session, Account, error) {
	a, err := s.authenticate(ctx, email, password)
	if err != nil {
		return Session{}, Account{}, err
	}
	now := s.now()
	sess := Session{Token: newSecret(sessionPrefix), CSRF: newSecret(""), ExpiresAt: now.Add(sessionTTL).UTC()}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		// Expired sessions of this account are swept as it logs in again.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1 AND expires_at <= $2`, a.ID, db.Micros(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			hashSecret(sess.Token), a.ID, sess.CSRF, db.Micros(now), db.Micros(sess.ExpiresAt))
		return err
	})
	if err != nil {
		return Session{}, Account{}, fmt.Errorf("identity: open session: %w", err)
	}
	return sess, a, nil
}

// Logout ends a session. Ending one that does not exist is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := hashSecret(token)
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	s.actors.forget(cacheKey{"sessions", hash})
	return err
}

// SessionActor resolves a session cookie to its actor.
func (s *Service) SessionActor(ctx context.Context, token string) (auth.Actor, error) {
	return s.resolve(ctx, "sessions", token)
}

// TokenActor resolves a bearer token to its actor.
func (s *Service) TokenActor(ctx context.Context, token string) (auth.Actor, error) {
	return s.resolve(ctx, "api_tokens", token)
}

// resolve finds the actor of a session or token, from the cache when this node read
// it in the last few seconds.
func (s *Service) resolve(ctx context.Context, table, token string) (auth.Actor, error) {
	k := cacheKey{table, hashSecret(token)}
	now := s.now()
	a, ok, gen := s.actors.get(k, now)
	if ok {
		return a, nil
	}
	a, expires, err := actorBy(ctx, s.db, table, k.hash, now)
	if err != nil {
		return auth.Actor{}, err
	}
	s.actors.put(k, a, gen, now, expires)
	return a, nil
}

// IssueToken checks credentials and issues a bearer token for the JSON API. The token
// is returned once and stored only as a hash.
func (s *Service) IssueToken(ctx context.Context, email, password, name string) (APIToken, error) {
	a, err := s.authenticate(ctx, email, password)
	if err != nil {
		return APIToken{}, err
	}
	if name == "" {
		name = "api"
	}
	if len(name) > 80 {
		return APIToken{}, errs.Invalidf("name", "a token name is at most 80 characters")
	}
	now := s.now()
	t := APIToken{ID: id.New(), Name: name, Token: newSecret(tokenPrefix), ExpiresAt: now.Add(apiTokenTTL).UTC()}
	_, err = s.db.ExecContext(ctx, `INSERT INTO api_tokens (id, token_hash, account_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, hashSecret(t.Token), a.ID, name, db.Micros(now), db.Micros(t.ExpiresAt))
	if err != nil {
		return APIToken{}, fmt.Errorf("identity: issue token: %w", err)
	}
	return t, nil
}

// IssueTokenFor issues a bearer token for an account without its password, for
// trusted code in this process: the load generator's simulated buyers. It is never
// reachable over HTTP.
func (s *Service) IssueTokenFor(ctx context.Context, accountID id.ID, name string) (APIToken, error) {
	now := s.now()
	t := APIToken{ID: id.New(), Name: name, Token: newSecret(tokenPrefix), ExpiresAt: now.Add(apiTokenTTL).UTC()}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (id, token_hash, account_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, hashSecret(t.Token), accountID, name, db.Micros(now), db.Micros(t.ExpiresAt)); err != nil {
		return APIToken{}, fmt.Errorf("identity: issue token: %w", err)
	}
	return t, nil
}

// RevokeToken deletes one of the actor's tokens.
func (s *Service) RevokeToken(ctx context.Context, actor auth.Actor, tokenID id.ID) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND account_id = $2`, tokenID, actor.AccountID)
	// The cache knows tokens by hash, not id: forget all of the account's credentials.
	s.actors.forgetAccount(actor.AccountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound.With("no such token")
	}
	return nil
}

// ProvisionInput is one account to create in bulk.
type ProvisionInput struct {
	Email       string
	DisplayName string
	Roles       []auth.Role
}

// ProvisionMany creates accounts without passwords in one transaction: imports and
// the demo's audiences. They can follow, watch and buy through the platform's own
// services, but cannot log in until a password is set.
func (s *Service) ProvisionMany(ctx context.Context, in []ProvisionInput) ([]Account, error) {
	now := s.now().UTC()
	out := make([]Account, 0, len(in))
	for _, p := range in {
		email, err := normaliseEmail(p.Email)
		if err != nil {
			return nil, err
		}
		name, err := checkDisplayName(p.DisplayName)
		if err != nil {
			return nil, err
		}
		a := Account{ID: id.New(), Email: email, DisplayName: name, CreatedAt: now, Roles: []auth.Role{auth.Shopper}}
		for _, r := range p.Roles {
			if r != auth.Shopper && r.Valid() {
				a.Roles = append(a.Roles, r)
			}
		}
		out = append(out, a)
	}
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		for _, a := range out {
			if err := insertAccount(ctx, tx, a, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if db.IsUniqueViolation(err) {
		return nil, ErrEmailTaken
	}
	return out, err
}
