package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// HistoryImport is GMV history recorded before liveshop took the orders: paid orders
// with when they were paid (events.OrderPaid's At), and the live sessions their lines
// name. Checkout stamps every order with the present, so the past can only arrive
// this way; the facts it makes are marked as imported.
type HistoryImport struct {
	Sessions []ImportedSession  `json:"sessions"`
	Orders   []events.OrderPaid `json:"orders"`
	// Categories gives the category code of products sold in the history, by product
	// id; a product not named here has its category in the catalogue, if any.
	Categories map[id.ID]string `json:"categories,omitempty"`
}

// ImportedSession is a live session of the past.
type ImportedSession struct {
	ID        id.ID     `json:"id"`
	Market    string    `json:"market"`
	CreatorID id.ID     `json:"creator_id,omitempty"`
	ShopID    id.ID     `json:"shop_id,omitempty"`
	Title     string    `json:"title"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// ImportResult counts what an import recorded.
type ImportResult struct {
	Orders   int `json:"orders"`
	Facts    int `json:"facts"`
	Sessions int `json:"sessions"`
}

// ErrAlreadyRecorded refuses an import of an order whose facts exist.
var ErrAlreadyRecorded = errs.New(errs.Conflict, "already_imported", "an order in this import was imported before; nothing was recorded")

// maxImportOrders bounds one import: one transaction, tens of megabytes of facts.
const maxImportOrders = 100_000

// ImportHistory records past paid orders as facts and adds them to the rollups
// through the same code the consumer uses, in one transaction: all or nothing.
// Every order is checked first; a refusal names the input at fault by its path.
// Operators only.
func (s *Service) ImportHistory(ctx context.Context, actor auth.Actor, in HistoryImport) (ImportResult, error) {
	if err := RequireOperator(actor); err != nil {
		return ImportResult{}, err
	}
	if len(in.Orders) > maxImportOrders {
		return ImportResult{}, errs.Invalidf("orders", "import at most %d orders at a time", maxImportOrders)
	}
	now := s.now()
	markets := map[string]market.Market{}
	marketOf := func(code, field string) (market.Market, error) {
		if m, ok := markets[code]; ok {
			return m, nil
		}
		m, err := s.Markets.Market(ctx, code)
		if err != nil {
			return market.Market{}, errs.OnField(err, field)
		}
		markets[code] = m
		return m, nil
	}
	rates, err := s.FX.Rates(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	metas := make([]sessionMeta, 0, len(in.Sessions))
	for i, ss := range in.Sessions {
		field := fmt.Sprintf("sessions[%d]", i)
		m, err := marketOf(ss.Market, field+".market")
		if err != nil {
			return ImportResult{}, err
		}
		switch {
		case ss.ID == 0:
			return ImportResult{}, errs.Invalidf(field+".id", "every session needs its id")
		case len(ss.Title) > 255:
			return ImportResult{}, errs.Invalidf(field+".title", "a title is at most 255 characters")
		case ss.StartedAt.IsZero() || ss.StartedAt.After(now):
			return ImportResult{}, errs.Invalidf(field+".started_at", "history has a start in the past")
		case !ss.EndedAt.IsZero() && ss.EndedAt.Before(ss.StartedAt):
			return ImportResult{}, errs.Invalidf(field+".ended_at", "a session ends after it starts")
		}
		metas = append(metas, sessionMeta{id: ss.ID, market: m.Code, currency: m.Currency, title: ss.Title, day: m.Day(ss.StartedAt),
			creatorID: ss.CreatorID, shopID: ss.ShopID, startedAt: ss.StartedAt, endedAt: ss.EndedAt})
	}
	cats, err := s.importCategories(ctx, in)
	if err != nil {
		return ImportResult{}, err
	}
	lineCats := map[id.ID]string{}
	var b batch
	seen := make(map[id.ID]bool, len(in.Orders))
	for i, o := range in.Orders {
		field := fmt.Sprintf("orders[%d]", i)
		m, err := marketOf(o.Market, field+".market")
		if err != nil {
			return ImportResult{}, err
		}
		switch {
		case o.OrderID == 0:
			return ImportResult{}, errs.Invalidf(field+".order_id", "every order needs its id")
		case seen[o.OrderID]:
			return ImportResult{}, errs.Invalidf(field+".order_id", "order %s appears twice", o.OrderID)
		case o.ShopID == 0:
			return ImportResult{}, errs.Invalidf(field+".shop_id", "every order belongs to a shop")
		case o.Currency != m.Currency:
			return ImportResult{}, errs.Invalidf(field+".currency", "%s sells in %s", m.Code, m.Currency)
		case o.At.IsZero() || o.At.After(now):
			return ImportResult{}, errs.Invalidf(field+".at", "history was paid in the past")
		case len(o.Lines) == 0:
			return ImportResult{}, errs.Invalidf(field+".lines", "an order has at least one line")
		}
		seen[o.OrderID] = true
		for j, l := range o.Lines {
			lf := fmt.Sprintf("%s.lines[%d]", field, j)
			if _, _, known := channelOf(l.Source); !known {
				return ImportResult{}, errs.Invalidf(lf+".source", "source must be %s", knownSources)
			}
			switch {
			case l.LineID == 0:
				return ImportResult{}, errs.Invalidf(lf+".line_id", "every line needs its id")
			case l.Quantity <= 0:
				return ImportResult{}, errs.Invalidf(lf+".quantity", "quantity must be at least 1")
			case l.Total < 0:
				return ImportResult{}, errs.Invalidf(lf+".total", "a line total cannot be negative")
			}
		}
		// The order's id stands in for the event id: one "event" per imported order,
		// which also makes importing the same order twice a conflict.
		for _, l := range o.Lines {
			lineCats[l.LineID] = cats[l.ProductID]
		}
		facts, err := paid(o.Order).facts(o.OrderID, originImport, o.Order, m, rates, o.At, lineCats)
		if err != nil {
			return ImportResult{}, errs.OnField(err, field)
		}
		b.addOrder(facts, 1)
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		for _, meta := range metas {
			if err := writeSessionMeta(ctx, tx, meta); err != nil {
				return err
			}
		}
		return b.write(ctx, tx)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Orders: len(in.Orders), Facts: len(b.facts), Sessions: len(metas)}, nil
}

// importCategories says the category of every product of an import: as the import
// names it (checked against the tree), else as the catalogue has it.
func (s *Service) importCategories(ctx context.Context, in HistoryImport) (map[id.ID]string, error) {
	out := make(map[id.ID]string, len(in.Categories))
	if len(in.Categories) > 0 {
		tree, err := s.categoryTree(ctx)
		if err != nil {
			return nil, err
		}
		for p, c := range in.Categories {
			if _, ok := tree[c]; !ok && c != "" {
				return nil, ErrCategoryNotFound.With("there is no category %q", c).OnField("categories." + p.String())
			}
			out[p] = c
		}
	}
	var ask []id.ID
	for _, o := range in.Orders {
		for _, l := range o.Lines {
			if _, ok := out[l.ProductID]; !ok {
				ask = append(ask, l.ProductID)
			}
		}
	}
	known, err := s.productCategories(ctx, ask)
	if err != nil {
		return nil, err
	}
	for p, c := range known {
		out[p] = c
	}
	return out, nil
}
