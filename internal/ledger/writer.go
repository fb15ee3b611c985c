package ledger

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Writer records transfers in batches (group commit): transfers submitted from many
// goroutines are checked against the accounts' balances in memory, one after another,
// and written together in one database transaction — multi-row inserts, and one
// balance update per account per batch however many transfers touch it. A hot
// account (the platform's clearing account, touched by every order) is then locked
// and written once per batch rather than once per transfer.
//
// Each transfer keeps Post's contract: refused alone (unbalanced, overdraft,
// conflicting idempotency key) with nothing written for it; a replay of a key returns
// the first transfer. The batch commits as a whole or not at all, so a crash leaves
// every transfer of a batch recorded whole or not at all; Transfer returns only once
// the outcome is durable. The database's CHECK constraints stay the backstop for the
// overdraft rule the writer applies in memory.
type Writer struct {
	s        *Service
	in       chan *writeJob
	maxBatch int
	// ids of accounts known to be committed, by code: an account never changes id.
	ids  sync.Map
	done chan struct{}
	wg   sync.WaitGroup
	mu   sync.RWMutex
	shut bool

	// fault, when set (tests only), runs after a batch's rows are written and before
	// it commits; an error fails the batch as a crash would.
	fault func(transfers int) error
}

type writeJob struct {
	ctx  context.Context
	in   TransferInput
	hash string
	out  Transfer
	err  error
	done chan struct{}

	// Within one batch run:
	replayID id.ID     // the key names this committed transfer, same content
	dupOf    *writeJob // an earlier job of the batch has the same key and content
	accts    []id.ID   // account id per posting
}

// ErrWriterClosed is returned for work submitted after Close.
var ErrWriterClosed = errors.New("ledger: writer closed")

// NewWriter starts a batching writer of at most maxBatch transfers per commit. One
// writer goroutine serves it: a batch forms from whatever waits when the previous one
// commits, so under light load a transfer commits at once.
func (s *Service) NewWriter(maxBatch int) *Writer {
	w := &Writer{s: s, in: make(chan *writeJob, 4*max(maxBatch, 1)), maxBatch: max(maxBatch, 1), done: make(chan struct{})}
	w.wg.Go(w.loop)
	return w
}

// Close stops the writer after the transfers already submitted.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.shut {
		w.shut = true
		close(w.done)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// Transfer records a transfer in the next batch and returns it once committed. Its
// checks and errors are Post's.
func (w *Writer) Transfer(ctx context.Context, in TransferInput) (Transfer, error) {
	if err := validate(in); err != nil {
		return Transfer{}, err
	}
	j := &writeJob{ctx: ctx, in: in, hash: contentHash(in), done: make(chan struct{})}
	w.mu.RLock()
	if w.shut {
		w.mu.RUnlock()
		return Transfer{}, ErrWriterClosed
	}
	select {
	case w.in <- j:
	case <-ctx.Done():
		w.mu.RUnlock()
		return Transfer{}, ctx.Err()
	}
	w.mu.RUnlock()
	// Once queued, wait for the outcome: the transfer may commit.
	<-j.done
	return j.out, j.err
}

func (w *Writer) loop() { db.GroupLoop(w.in, w.done, w.maxBatch, w.run) }

// acctState is an account as the batch sees it.
type acctState struct {
	code                   string
	normal                 Normal
	noOverdraft            bool
	balance, pdebit, pcred int64
	// What the batch moves, to write once at the end.
	dBalance, dDebit, dCred int64
}

func (a *acctState) ok() bool {
	if !a.noOverdraft {
		return true
	}
	if a.normal == Debit {
		return a.balance+a.pcred >= 0
	}
	return a.balance+a.pdebit <= 0
}

func (a *acctState) move(amount int64, pending bool) {
	switch moveColumn(amount, pending) {
	case "balance":
		a.balance += amount
		a.dBalance += amount
	case "pending_debit":
		a.pdebit += amount
		a.dDebit += amount
	default:
		a.pcred += amount
		a.dCred += amount
	}
}

func (w *Writer) run(batch []*writeJob) {
	ctx := context.Background()
	opened := map[string]id.ID{}
	var accepted []*writeJob
	err := w.s.db.RunInTx(ctx, func(tx *db.Tx) error {
		// RunInTx may run this again on PostgreSQL: start clean each time.
		clear(opened)
		accepted = accepted[:0]
		for _, j := range batch {
			j.err, j.out, j.replayID, j.dupOf, j.accts = nil, Transfer{}, 0, nil, nil
		}
		live, err := w.sortKeys(ctx, tx, batch)
		if err != nil {
			return err
		}
		now := w.s.now().UTC()
		states, err := w.loadAccounts(ctx, tx, live, opened, now)
		if err != nil {
			return err
		}
		for _, j := range live {
			if err := j.ctx.Err(); err != nil {
				j.err = err
				continue
			}
			if !apply(j, states) {
				continue
			}
			j.out = Transfer{ID: id.New(), IdempotencyKey: j.in.IdempotencyKey, Kind: j.in.Kind, Reference: j.in.Reference,
				Memo: j.in.Memo, CreatedAt: now, Pending: j.in.Pending}
			for _, p := range j.in.Postings {
				j.out.Postings = append(j.out.Postings, PostedPosting{AccountCode: p.Account.Code(), Amount: p.Amount, Currency: p.Account.Currency})
			}
			accepted = append(accepted, j)
		}
		if err := w.insert(ctx, tx, accepted, now); err != nil {
			return err
		}
		if err := w.updateBalances(ctx, tx, states); err != nil {
			return err
		}
		if w.fault != nil {
			return w.fault(len(accepted))
		}

		return nil
	})
	if err == nil {
		for code, aid := range opened {
			w.ids.Store(code, aid)
		}
	}
	for _, j := range batch {
		switch {
		case err != nil:
			if j.err == nil {
				j.err, j.out = fmt.Errorf("ledger: batch not committed: %w", err), Transfer{}
			}
		case j.replayID != 0:
			j.out, j.err = w.s.transfer(ctx, w.s.db, j.replayID)
		case j.dupOf != nil:
			j.out, j.err = j.dupOf.out, j.dupOf.err
		}
		close(j.done)
	}
}

// apply checks a transfer against the batch's view of its accounts and moves them,
// or refuses it and leaves them as they were.
func apply(j *writeJob, states map[id.ID]*acctState) bool {
	for i, p := range j.in.Postings {
		states[j.accts[i]].move(p.Amount, j.in.Pending)
	}
	for i, p := range j.in.Postings {
		if a := states[j.accts[i]]; !a.ok() {
			for k, q := range j.in.Postings {
				states[j.accts[k]].move(-q.Amount, j.in.Pending)
			}
			j.err = ErrOverdraft.With("%s cannot go past zero", p.Account.Code())
			return false
		}
	}
	return true
}

// sortKeys settles idempotency: a key already committed is a replay (same content)
// or a conflict; a key twice in the batch is the first job's replay or a conflict.
// It returns the jobs left to write.
func (w *Writer) sortKeys(ctx context.Context, tx *db.Tx, batch []*writeJob) ([]*writeJob, error) {
	keys := make([]any, 0, len(batch))
	for _, j := range batch {
		keys = append(keys, j.in.IdempotencyKey)
	}
	type committed struct {
		id   id.ID
		hash string
	}
	existing := map[string]committed{}
	err := inChunks(keys, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT idempotency_key, id, content_hash FROM ledger_transfers WHERE idempotency_key IN (`+placeholders(tx.Engine(), len(chunk), 1)+`)`, chunk...)
		if err != nil {
			return fmt.Errorf("ledger: check idempotency: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var c committed
			if err := rows.Scan(&k, &c.id, &c.hash); err != nil {
				return err
			}
			existing[k] = c
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	seen := make(map[string]*writeJob, len(batch))
	live := make([]*writeJob, 0, len(batch))
	for _, j := range batch {
		k := j.in.IdempotencyKey
		if c, ok := existing[k]; ok {
			if c.hash != j.hash {
				j.err = ErrIdempotencyConflict.With("idempotency key %q was used for a different transfer", k)
			} else {
				j.replayID = c.id
			}
			continue
		}
		if f, ok := seen[k]; ok {
			if f.hash != j.hash {
				j.err = ErrIdempotencyConflict.With("idempotency key %q was used for a different transfer", k)
			} else {
				j.dupOf = f
			}
			continue
		}
		seen[k] = j
		live = append(live, j)
	}
	return live, nil
}

// loadAccounts finds (opening where needed) every account the jobs post to and reads
// them, locked on PostgreSQL, in id order.
func (w *Writer) loadAccounts(ctx context.Context, tx *db.Tx, jobs []*writeJob, opened map[string]id.ID, now time.Time) (map[id.ID]*acctState, error) {
	var want []any
	wanted := map[id.ID]bool{}
	for _, j := range jobs {
		j.accts = make([]id.ID, len(j.in.Postings))
		for i, p := range j.in.Postings {
			code := p.Account.Code()
			var aid id.ID
			if v, ok := w.ids.Load(code); ok {
				aid = v.(id.ID)
			} else if v, ok := opened[code]; ok {
				aid = v
			} else {
				var err error
				if aid, err = w.s.ensureAccount(ctx, tx, p.Account, now); err != nil {
					return nil, err
				}
				opened[code] = aid
			}
			j.accts[i] = aid
			if !wanted[aid] {
				wanted[aid] = true
				want = append(want, aid)
			}
		}
	}
	sort.Slice(want, func(a, b int) bool { return want[a].(id.ID) < want[b].(id.ID) })
	states := make(map[id.ID]*acctState, len(want))
	err := inChunks(want, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, code, normal, no_overdraft, balance, pending_debit, pending_credit FROM ledger_accounts
			WHERE id IN (`+placeholders(tx.Engine(), len(chunk), 1)+`) ORDER BY id`+db.ForUpdate(tx), chunk...)
		if err != nil {
			return fmt.Errorf("ledger: read accounts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var aid id.ID
			a := &acctState{}
			if err := rows.Scan(&aid, &a.code, &a.normal, &a.noOverdraft, &a.balance, &a.pdebit, &a.pcred); err != nil {
				return err
			}
			states[aid] = a
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(states) != len(want) {
		return nil, fmt.Errorf("ledger: %d of %d accounts missing", len(want)-len(states), len(want))
	}
	return states, nil
}

// insert writes the accepted transfers and their postings with multi-row inserts of
// a few fixed sizes, so the statements stay prepared.
func (w *Writer) insert(ctx context.Context, tx *db.Tx, jobs []*writeJob, now time.Time) error {
	at := db.Micros(now)
	ts := make([]any, 0, 8*len(jobs))
	var ps []any
	for _, j := range jobs {
		ts = append(ts, j.out.ID, j.in.IdempotencyKey, j.in.Kind, j.in.Reference, j.in.Memo, j.hash, at, j.in.Pending)
		for i, p := range j.in.Postings {
			ps = append(ps, id.New(), j.out.ID, j.accts[i], p.Amount, p.Account.Currency)
		}
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO ledger_transfers (id, idempotency_key, kind, reference, memo, content_hash, created_at, pending) VALUES `, 8, ts, ""); err != nil {
		if db.IsUniqueViolation(err) {
			return ErrIdempotencyConflict.With("an idempotency key of the batch was taken meanwhile")
		}
		return fmt.Errorf("ledger: record transfers: %w", err)
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO ledger_postings (id, transfer_id, account_id, amount, currency) VALUES `, 5, ps, ""); err != nil {
		return fmt.Errorf("ledger: record postings: %w", err)
	}
	return nil
}

// updateBalances writes each moved account once, many accounts per statement.
func (w *Writer) updateBalances(ctx context.Context, tx *db.Tx, states map[id.ID]*acctState) error {
	ids := make([]id.ID, 0, len(states))
	for aid, a := range states {
		if a.dBalance != 0 || a.dDebit != 0 || a.dCred != 0 {
			ids = append(ids, aid)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	args := make([]any, 0, 4*len(ids))
	for _, aid := range ids {
		a := states[aid]
		args = append(args, aid, a.dBalance, a.dDebit, a.dCred)
	}
	e := tx.Engine()
	for len(args) > 0 {
		n := len(args) / 4
		for _, size := range rowsPerInsert {
			if size <= n {
				n = size
				break
			}
		}
		if _, err := tx.ExecContext(ctx, updateStatement(e, n), args[:4*n]...); err != nil {
			if db.IsCheckViolation(err) {
				return ErrOverdraft.With("an account of the batch cannot go past zero")
			}
			return fmt.Errorf("ledger: move balances: %w", err)
		}
		args = args[4*n:]
	}
	return nil
}

var updateCache sync.Map // "engine/rows" -> statement

// updateStatement adds rows of (id, balance, pending debit, pending credit) deltas
// to their accounts in one statement.
func updateStatement(e db.Engine, rows int) string {
	key := fmt.Sprint(e, "/", rows)
	if v, ok := updateCache.Load(key); ok {
		return v.(string)
	}
	var b strings.Builder
	b.WriteString("WITH v (id, b, pd, pc) AS (VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for c := range 4 {
			if c > 0 {
				b.WriteString(", ")
			}
			// PostgreSQL types a VALUES list from its parameters: say they are numbers.
			if e == db.SQLite {
				b.WriteString("?")
			} else {
				fmt.Fprintf(&b, "CAST($%d AS BIGINT)", r*4+c+1)
			}
		}
		b.WriteString(")")
	}
	b.WriteString(`) UPDATE ledger_accounts SET balance = balance + v.b, pending_debit = pending_debit + v.pd,
		pending_credit = pending_credit + v.pc FROM v WHERE ledger_accounts.id = v.id`)
	updateCache.Store(key, b.String())
	return b.String()
}

// rowsPerInsert are the sizes of the multi-row balance updates (inserts go through
// db.InsertRows, which uses the same sizes): only these few statement texts exist.
var rowsPerInsert = []int{128, 32, 8, 1}

// placeholders is "$from, $from+1, ..." n times; on SQLite "?, ?, ...": the driver
// looks every numbered parameter's name up in a list, which costs time quadratic in
// the number of parameters of a statement (a third of the CPU of a batch of
// multi-row inserts before this), while anonymous ones bind by position.
func placeholders(e db.Engine, n, from int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if e == db.SQLite {
			b.WriteString("?")
		} else {
			fmt.Fprintf(&b, "$%d", from+i)
		}
	}
	return b.String()
}

// inSizes are the lengths of IN lists: a list is padded with repeats of its first
// value to the next size, so only these few statement texts exist.
var inSizes = []int{1, 8, 32, 128, 512}

// inChunks calls fn with args in padded pieces small enough for any engine's limit
// on parameters per statement.
func inChunks(args []any, fn func([]any) error) error {
	most := inSizes[len(inSizes)-1]
	for len(args) > 0 {
		n := min(len(args), most)
		chunk := args[:n]
		for _, size := range inSizes {
			if size >= n {
				padded := make([]any, size)
				copy(padded, chunk)
				for i := n; i < size; i++ {
					padded[i] = chunk[0]
				}
				chunk = padded
				break
			}
		}
		if err := fn(chunk); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}
