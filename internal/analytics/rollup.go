package analytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Grains of the rollups: the market-local hour, day, month, quarter and year a sale
// fell in.
const (
	grainHour    = "hour"
	grainDay     = "day"
	grainMonth   = "month"
	grainQuarter = "quarter" // "2026-Q3"
	grainYear    = "year"    // "2026"
)

// Dimensions of the rollups. Composite ones name their owner first ("shop/product"),
// so one shop's members are a key range.
const (
	dimMarket          = "market"
	dimShop            = "shop"
	dimCreator         = "creator"
	dimChannel         = "channel"
	dimCategory        = "category"
	dimProduct         = "product"          // <shop>/<product>
	dimShopChannel     = "shop_channel"     // <shop>/<channel>
	dimCreatorChannel  = "creator_channel"  // <creator>/<channel>
	dimShopCategory    = "shop_category"    // <shop>/<category>
	dimCreatorCategory = "creator_category" // <creator>/<category>
)

// dimension says how a fact maps to a member of a dimension, once in Go for the
// consumer and once in SQL for Rebuild, side by side so they cannot drift apart.
type dimension struct {
	name string
	ref  func(f fact) (string, bool) // false: the fact has no member (a sale without a creator)
	// sqlRef computes the member from a gmv_facts row; sqlWhere keeps the rows that have one.
	sqlRef, sqlWhere string
}

func idRef(v id.ID) string { return strconv.FormatInt(int64(v), 10) }

var (
	byMarket  = dimension{dimMarket, func(f fact) (string, bool) { return f.market, true }, `market`, ``}
	byShop    = dimension{dimShop, func(f fact) (string, bool) { return idRef(f.shopID), true }, `CAST(shop_id AS TEXT)`, ``}
	byCreator = dimension{dimCreator, func(f fact) (string, bool) { return idRef(f.creatorID), f.creatorID != 0 },
		`CAST(creator_id AS TEXT)`, `creator_id <> 0`}
	byChannel = dimension{dimChannel, func(f fact) (string, bool) { return channelKey(f.channel, f.surface), true },
		`channel || CASE WHEN surface <> '' THEN '/' || surface ELSE '' END`, ``}
	byCategory = dimension{dimCategory, func(f fact) (string, bool) { return f.category, true }, `category`, ``}
	byProduct  = dimension{dimProduct, func(f fact) (string, bool) { return idRef(f.shopID) + "/" + idRef(f.productID), f.productID != 0 },
		`CAST(shop_id AS TEXT) || '/' || CAST(product_id AS TEXT)`, `product_id <> 0`}
	byShopChannel = dimension{dimShopChannel, func(f fact) (string, bool) { return idRef(f.shopID) + "/" + channelKey(f.channel, f.surface), true },
		`CAST(shop_id AS TEXT) || '/' || channel || CASE WHEN surface <> '' THEN '/' || surface ELSE '' END`, ``}
	byShopCategory = dimension{dimShopCategory, func(f fact) (string, bool) { return idRef(f.shopID) + "/" + f.category, true },
		`CAST(shop_id AS TEXT) || '/' || category`, ``}
	byCreatorCategory = dimension{dimCreatorCategory, func(f fact) (string, bool) { return idRef(f.creatorID) + "/" + f.category, f.creatorID != 0 },
		`CAST(creator_id AS TEXT) || '/' || category`, `creator_id <> 0`}
	byCreatorChannel = dimension{dimCreatorChannel, func(f fact) (string, bool) {
		return idRef(f.creatorID) + "/" + channelKey(f.channel, f.surface), f.creatorID != 0
	}, `CAST(creator_id AS TEXT) || '/' || channel || CASE WHEN surface <> '' THEN '/' || surface ELSE '' END`, `creator_id <> 0`}
)

// grain says how a fact maps to a period of the grain.
type grain struct {
	name      string
	period    func(f fact) string
	sqlPeriod string
}

var (
	hourly    = grain{grainHour, func(f fact) string { return f.localHour }, `local_hour`}
	daily     = grain{grainDay, fact.day, `SUBSTR(local_hour, 1, 10)`}
	monthly   = grain{grainMonth, fact.month, `SUBSTR(local_hour, 1, 7)`}
	quarterly = grain{grainQuarter, fact.quarter,
		`SUBSTR(local_hour, 1, 4) || '-Q' || CAST((CAST(SUBSTR(local_hour, 6, 2) AS INTEGER) + 2) / 3 AS TEXT)`}
	yearly = grain{grainYear, fact.year, `SUBSTR(local_hour, 1, 4)`}
)

// rollupPlan is every rollup kept: each fact adds to one row per entry. Hours are
// kept for the small dimensions only: an hourly row per shop or creator would be
// about as many rows as facts, and the pages that look at hours look at markets.
// Products and the per-shop and per-creator channel and category mixes are kept by
// month, which is what leaderboards and the Seller and Creator Center ask for. What
// leaderboards rank (shops, creators, products) is also kept by quarter and year, so
// the top of a quarter or a year is read from an index in rank order like a month's,
// not summed from every member's months.
var rollupPlan = []struct {
	grain grain
	dim   dimension
}{
	{hourly, byMarket}, {hourly, byChannel}, {hourly, byCategory},
	{daily, byMarket}, {daily, byShop}, {daily, byCreator}, {daily, byChannel}, {daily, byCategory},
	{monthly, byMarket}, {monthly, byShop}, {monthly, byCreator}, {monthly, byChannel}, {monthly, byCategory},
	{monthly, byProduct}, {monthly, byShopChannel}, {monthly, byCreatorChannel}, {monthly, byShopCategory},
	{monthly, byCreatorCategory},
	{quarterly, byShop}, {quarterly, byCreator}, {quarterly, byProduct},
	{yearly, byShop}, {yearly, byCreator}, {yearly, byProduct},
}

type rollupKey struct{ grain, dim, ref, market, period string }

type rollupSums struct {
	currency                string
	gmv, usd, orders, units int64
	seen                    uint64 // the order that last counted here, so an order counts once per row
}

type sessionSums struct {
	market, currency, day   string
	creatorID, shopID       id.ID
	first, last             time.Time
	gmv, usd, orders, units int64
	seen                    uint64
}

// batch collects facts and what they add to each rollup row, so that a transaction
// writes every row it touches once, however many facts touch it: one event in the
// consumer, tens of thousands of orders in an import.
type batch struct {
	facts    []fact
	rollups  map[rollupKey]*rollupSums
	sessions map[id.ID]*sessionSums
	seq      uint64
}

// addOrder adds one order's facts from one event; orders is what the event does to
// the order count of every row the facts touch (+1 paid, -1 cancelled, 0 refunded).
func (b *batch) addOrder(facts []fact, orders int64) {
	if b.rollups == nil {
		b.rollups, b.sessions = map[rollupKey]*rollupSums{}, map[id.ID]*sessionSums{}
	}
	b.seq++
	for _, f := range facts {
		b.facts = append(b.facts, f)
		for _, p := range rollupPlan {
			ref, ok := p.dim.ref(f)
			if !ok {
				continue
			}
			k := rollupKey{p.grain.name, p.dim.name, ref, f.market, p.grain.period(f)}
			s := b.rollups[k]
			if s == nil {
				s = &rollupSums{currency: f.currency}
				b.rollups[k] = s
			}
			s.gmv += f.amount
			s.usd += f.amountUSD
			s.units += f.units
			if s.seen != b.seq {
				s.seen = b.seq
				s.orders += orders
			}
		}
		if f.sessionID == 0 {
			continue
		}
		ss := b.sessions[f.sessionID]
		if ss == nil {
			ss = &sessionSums{market: f.market, currency: f.currency, day: f.day(), creatorID: f.creatorID, first: f.at, last: f.at}
			if f.creatorID == 0 {
				ss.shopID = f.shopID // a shop's own live: it sells its own products
			}
			b.sessions[f.sessionID] = ss
		}
		if f.at.Before(ss.first) {
			ss.first, ss.day = f.at, f.day()
		}
		if f.at.After(ss.last) {
			ss.last = f.at
		}
		ss.gmv += f.amount
		ss.usd += f.amountUSD
		ss.units += f.units
		if ss.seen != b.seq {
			ss.seen = b.seq
			ss.orders += orders
		}
	}
}

// write records the facts and adds the sums to the rollups, in tx. Rows are written
// in key order, so concurrent writers (the consumer and an import) lock them in the
// same order and do not deadlock.
func (b *batch) write(ctx context.Context, tx *db.Tx) error {
	if len(b.facts) == 0 {
		return nil
	}
	if err := insertFacts(ctx, tx, b.facts); err != nil {
		return err
	}
	keys := make([]rollupKey, 0, len(b.rollups))
	for k := range b.rollups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.grain, b.grain), cmp.Compare(a.dim, b.dim), cmp.Compare(a.ref, b.ref), cmp.Compare(a.market, b.market), cmp.Compare(a.period, b.period))
	})
	err := execRows(ctx, tx, upsertRollupsSQL, 10, upsertRollupsTail, len(keys), func(i int, args []any) []any {
		k := keys[i]
		s := b.rollups[k]
		return append(args, k.grain, k.dim, k.ref, k.market, k.period, s.currency, s.gmv, s.usd, s.orders, s.units)
	})
	if err != nil {
		return fmt.Errorf("analytics: update rollups: %w", err)
	}
	sids := make([]id.ID, 0, len(b.sessions))
	for sid := range b.sessions {
		sids = append(sids, sid)
	}
	slices.Sort(sids)
	err = execRows(ctx, tx, upsertSessionsSQL, 12, upsertSessionsTail, len(sids), func(i int, args []any) []any {
		s := b.sessions[sids[i]]
		return append(args, sids[i], s.market, s.currency, s.creatorID, s.shopID, s.day, db.Micros(s.first), db.Micros(s.last), s.gmv, s.usd, s.orders, s.units)
	})
	if err != nil {
		return fmt.Errorf("analytics: update sessions: %w", err)
	}
	return nil
}

const insertFactsSQL = `INSERT INTO gmv_facts (id, event_id, order_id, order_line_id, kind, origin, market, currency, shop_id, creator_id,
	live_session_id, product_id, channel, surface, category, amount, amount_usd, units, at, local_hour) VALUES `

func insertFacts(ctx context.Context, tx *db.Tx, facts []fact) error {
	err := execRows(ctx, tx, insertFactsSQL, 20, "", len(facts), func(i int, args []any) []any {
		f := facts[i]
		return append(args, id.New(), f.eventID, f.orderID, f.lineID, f.kind, f.origin, f.market, f.currency, f.shopID, f.creatorID,
			f.sessionID, f.productID, f.channel, f.surface, f.category, f.amount, f.amountUSD, f.units, db.Micros(f.at), f.localHour)
	})
	if db.IsUniqueViolation(err) {
		return ErrAlreadyRecorded.Wrap(err)
	}
	if err != nil {
		return fmt.Errorf("analytics: record facts: %w", err)
	}
	return nil
}

const upsertRollupsSQL = `INSERT INTO gmv_rollups (grain, dim, ref, market, period, currency, gmv, gmv_usd, orders, units) VALUES `

const upsertRollupsTail = ` ON CONFLICT (grain, dim, ref, market, period) DO UPDATE SET
	gmv = gmv_rollups.gmv + excluded.gmv, gmv_usd = gmv_rollups.gmv_usd + excluded.gmv_usd,
	orders = gmv_rollups.orders + excluded.orders, units = gmv_rollups.units + excluded.units`

const upsertSessionsSQL = `INSERT INTO gmv_sessions (session_id, market, currency, creator_id, shop_id, day, first_sale_at, last_sale_at,
	gmv, gmv_usd, orders, units) VALUES `

// A session's day is the day it started when live events said so, otherwise the day
// of its first sale; SET expressions read the row as it was before the update.
const upsertSessionsTail = ` ON CONFLICT (session_id) DO UPDATE SET
	gmv = gmv_sessions.gmv + excluded.gmv, gmv_usd = gmv_sessions.gmv_usd + excluded.gmv_usd,
	orders = gmv_sessions.orders + excluded.orders, units = gmv_sessions.units + excluded.units,
	day = CASE WHEN gmv_sessions.started_at = 0 AND (gmv_sessions.first_sale_at = 0 OR excluded.first_sale_at < gmv_sessions.first_sale_at)
		THEN excluded.day ELSE gmv_sessions.day END,
	first_sale_at = CASE WHEN gmv_sessions.first_sale_at = 0 OR excluded.first_sale_at < gmv_sessions.first_sale_at
		THEN excluded.first_sale_at ELSE gmv_sessions.first_sale_at END,
	last_sale_at = CASE WHEN excluded.last_sale_at > gmv_sessions.last_sale_at THEN excluded.last_sale_at ELSE gmv_sessions.last_sale_at END,
	creator_id = CASE WHEN gmv_sessions.creator_id = 0 THEN excluded.creator_id ELSE gmv_sessions.creator_id END,
	shop_id = CASE WHEN gmv_sessions.shop_id = 0 AND gmv_sessions.creator_id = 0 THEN excluded.shop_id ELSE gmv_sessions.shop_id END`

// sessionMeta is what a live event says about a session.
type sessionMeta struct {
	id                              id.ID
	market, currency, title, day    string
	creatorID, shopID               id.ID
	scheduledAt, startedAt, endedAt time.Time
}

func writeSessionMeta(ctx context.Context, tx *db.Tx, m sessionMeta) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO gmv_sessions (session_id, market, currency, creator_id, shop_id, title, day, started_at, ended_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (session_id) DO UPDATE SET market = excluded.market, currency = excluded.currency, title = excluded.title,
			creator_id = excluded.creator_id, shop_id = excluded.shop_id,
			day = CASE WHEN excluded.started_at <> 0 THEN excluded.day
				WHEN gmv_sessions.started_at = 0 AND gmv_sessions.first_sale_at = 0 THEN excluded.day ELSE gmv_sessions.day END,
			started_at = CASE WHEN excluded.started_at <> 0 THEN excluded.started_at ELSE gmv_sessions.started_at END,
			ended_at = CASE WHEN excluded.ended_at <> 0 THEN excluded.ended_at ELSE gmv_sessions.ended_at END`,
		m.id, m.market, m.currency, m.creatorID, m.shopID, m.title, m.day, db.Micros(m.startedAt), db.Micros(m.endedAt))
	if err != nil {
		return fmt.Errorf("analytics: record live session: %w", err)
	}
	return nil
}

// maxChunk bounds the rows of one multi-row statement (20 columns × 512 rows stays
// well inside PostgreSQL's limit on parameters).
const maxChunk = 512

// execRows writes n rows with head (INSERT ... VALUES), cols placeholders a row and
// tail (ON CONFLICT ...), row i's arguments appended by rowArgs. The engines want
// opposite things, measured: PostgreSQL is fastest with many rows a statement (one
// round trip; 60 k rows/s at 64-512 rows against 19 k one by one), SQLite with one
// prepared single-row statement run again and again (112 k rows/s, where 512 rows a
// statement manage 2.6 k: the driver looks every numbered parameter up by name).
func execRows(ctx context.Context, tx *db.Tx, head string, cols int, tail string, n int, rowArgs func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	args := make([]any, 0, cols*min(n, maxChunk))
	if tx.Engine() == db.SQLite {
		st, err := tx.PrepareContext(ctx, multiRow(head, cols, 1, tail))
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range n {
			if _, err := st.ExecContext(ctx, rowArgs(i, args[:0])...); err != nil {
				return err
			}
		}
		return nil
	}
	// Chunk sizes are powers of two, so only a handful of statement texts exist.
	for from := 0; from < n; {
		size := maxChunk
		for size > n-from {
			size /= 2
		}
		args = args[:0]
		for i := from; i < from+size; i++ {
			args = rowArgs(i, args)
		}
		if _, err := tx.ExecContext(ctx, multiRow(head, cols, size, tail), args...); err != nil {
			return err
		}
		from += size
	}
	return nil
}

var multiRowCache sync.Map // head, columns, rows, tail -> statement

// multiRow returns head followed by rows tuples of cols placeholders and tail.
func multiRow(head string, cols, rows int, tail string) string {
	type key struct {
		head       string
		cols, rows int
	}
	k := key{head + tail, cols, rows}
	if v, ok := multiRowCache.Load(k); ok {
		return v.(string)
	}
	var b strings.Builder
	b.WriteString(head)
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	b.WriteString(tail)
	s := b.String()
	multiRowCache.Store(k, s)
	return s
}
