package analytics

import (
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Channels: where a sale came from, as TikTok Shop reports GMV. Product-card sales
// also carry the surface the card was on.
const (
	ChannelLive        = "LIVE"
	ChannelVideo       = "VIDEO"
	ChannelProductCard = "PRODUCT_CARD"
)

// Product-card surfaces: where the product card the buyer bought from was shown. The
// order line's source says it (order.Source*, creator.SourceAffiliateLink).
const (
	SurfaceShowcase      = "showcase"
	SurfaceMall          = "mall"
	SurfaceSearch        = "search"
	SurfaceStorePage     = "store_page"
	SurfaceAffiliateLink = "affiliate_link"
)

// channelOf maps an order line's source to its channel and surface. A source this
// code does not know yet is kept as its own channel rather than dropped: events grow
// by adding values, and GMV must still add up.
func channelOf(source string) (channel, surface string, known bool) {
	switch source {
	case "LIVE":
		return ChannelLive, "", true
	case "VIDEO":
		return ChannelVideo, "", true
	case "SHOWCASE":
		return ChannelProductCard, SurfaceShowcase, true
	case "MALL":
		return ChannelProductCard, SurfaceMall, true
	case "SEARCH":
		return ChannelProductCard, SurfaceSearch, true
	case "STORE_PAGE":
		return ChannelProductCard, SurfaceStorePage, true
	case "AFFILIATE_LINK":
		return ChannelProductCard, SurfaceAffiliateLink, true
	case "PRODUCT_CARD", "":
		return ChannelProductCard, "", true
	}
	return source, "", false
}

// knownSources lists the order line sources channelOf knows, for messages.
const knownSources = "LIVE, VIDEO, SHOWCASE, MALL, SEARCH, STORE_PAGE, AFFILIATE_LINK or PRODUCT_CARD"

// channelKey is the channel dimension's member: the channel, and for product cards
// the surface after a slash ("PRODUCT_CARD/showcase").
func channelKey(channel, surface string) string {
	if surface == "" {
		return channel
	}
	return channel + "/" + surface
}

// ChannelLabel names a channel key for people.
func ChannelLabel(key string) string {
	switch key {
	case ChannelLive:
		return "Live"
	case ChannelVideo:
		return "Video"
	case ChannelProductCard:
		return "Product card"
	case ChannelProductCard + "/" + SurfaceShowcase:
		return "Product card · showcase"
	case ChannelProductCard + "/" + SurfaceMall:
		return "Product card · mall"
	case ChannelProductCard + "/" + SurfaceSearch:
		return "Product card · search"
	case ChannelProductCard + "/" + SurfaceStorePage:
		return "Product card · store page"
	case ChannelProductCard + "/" + SurfaceAffiliateLink:
		return "Product card · affiliate link"
	}
	return key
}

// Fact kinds: which event a fact records. Paid orders add, cancellations of paid
// orders and refunds subtract.
const (
	factPaid      = "paid"
	factCancelled = "cancelled"
	factRefunded  = "refunded"
)

// Fact origins: an order event, or an import of history recorded elsewhere.
const (
	originEvent  = "event"
	originImport = "import"
)

// fact is one order line's contribution to GMV from one event.
type fact struct {
	eventID, orderID, lineID     id.ID
	kind, origin                 string
	market, currency             string
	shopID, creatorID, sessionID id.ID
	productID                    id.ID
	channel, surface, category   string
	amount, amountUSD, units     int64
	at                           time.Time
	localHour                    string // YYYY-MM-DDTHH in the market's time zone
}

func (f fact) day() string   { return f.localHour[:10] }
func (f fact) month() string { return f.localHour[:7] }
func (f fact) year() string  { return f.localHour[:4] }

// quarter is "YYYY-Qn", as ParsePeriod reads it.
func (f fact) quarter() string {
	m := (f.localHour[5]-'0')*10 + f.localHour[6] - '0'
	return f.localHour[:4] + "-Q" + string(rune('1'+(m-1)/3))
}

// change is what one order event does to GMV: per line, an amount and units (signed),
// and whether it adds an order (+1 paid), removes one (-1 cancelled) or neither (a
// refund leaves the order counted and nets out its money).
type change struct {
	kind   string
	orders int64
	lines  []lineChange
}

type lineChange struct {
	line          events.OrderLine
	amount, units int64
}

// GMV counts a line at its original price (unit price × quantity), before discounts.
func paid(o events.Order) change {
	c := change{kind: factPaid, orders: 1}
	for _, l := range o.Lines {
		c.lines = append(c.lines, lineChange{l, l.Total, l.Quantity})
	}
	return c
}

// cancelled nets out what is left of each line: units refunded earlier were netted
// out by their refund, and money.Portion makes the parts add up to the whole line.
func cancelled(o events.Order) change {
	c := change{kind: factCancelled, orders: -1}
	for _, l := range o.Lines {
		left := max(l.Quantity-l.RefundedQuantity, 0)
		c.lines = append(c.lines, lineChange{l, -money.Portion(l.Total, l.RefundedQuantity, left, l.Quantity), -left})
	}
	return c
}

// refunded nets out the refunded units of each line, pro rata of the line's GMV.
func refunded(ev events.OrderRefunded) change {
	c := change{kind: factRefunded}
	byID := map[id.ID]events.OrderLine{}
	for _, l := range ev.Order.Lines {
		byID[l.LineID] = l
	}
	for _, rl := range ev.Lines {
		l, ok := byID[rl.LineID]
		if !ok || rl.Quantity <= 0 {
			continue
		}
		c.lines = append(c.lines, lineChange{l, -money.Portion(l.Total, rl.Before, rl.Quantity, l.Quantity), -rl.Quantity})
	}
	return c
}

// facts turns a change into facts, converting each amount to US dollars at the rate
// in force when the event happened. categories holds each line's category code by
// line id (missing: uncategorised).
func (c change) facts(eventID id.ID, origin string, o events.Order, m market.Market, rates market.Rates, at time.Time, categories map[id.ID]string) ([]fact, error) {
	if o.Currency != m.Currency {
		return nil, fmt.Errorf("analytics: order %s is in %s but %s counts in %s", o.OrderID, o.Currency, m.Code, m.Currency)
	}
	hour := at.In(m.Location()).Format("2006-01-02T15")
	out := make([]fact, 0, len(c.lines))
	for _, lc := range c.lines {
		usd, err := rates.ToUSD(money.New(lc.amount, o.Currency), at)
		if err != nil {
			return nil, err
		}
		channel, surface, _ := channelOf(lc.line.Source)
		out = append(out, fact{
			eventID: eventID, orderID: o.OrderID, lineID: lc.line.LineID, kind: c.kind, origin: origin,
			market: m.Code, currency: o.Currency, shopID: o.ShopID, creatorID: lc.line.CreatorID, sessionID: lc.line.LiveSessionID,
			productID: lc.line.ProductID, channel: channel, surface: surface, category: categories[lc.line.LineID],
			amount: lc.amount, amountUSD: usd.Amount, units: lc.units, at: at.UTC(), localHour: hour,
		})
	}
	return out, nil
}
