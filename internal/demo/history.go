package demo

// A year of GMV history for the dashboards. Checkout stamps every order with the
// present, so the past cannot be made by buying; instead the demo imports it through
// analytics.ImportHistory, the path meant for history recorded elsewhere, and the
// facts it makes are marked as imported. The shape echoes the source articles at
// 1/20,000 of their scale: the US near 490 M USD a month (24,500 USD here), Southeast
// Asia growing fast (Vietnam +150% a year), Europe and Mexico newly launched and
// climbing, every market busier at weekends, at 6.6 and 11.11 and in December.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// historyScale divides the articles' GMV to demo size.
const historyScale = 20_000

// historyMonths is how far back history goes: a year and the month before it, so
// that year-over-year growth has a base from the first month on.
const historyMonths = 13

// marketShape is how a market's GMV moves over the year.
type marketShape struct {
	code string
	// monthlyUSD is this month's GMV in US dollars at the articles' scale, before
	// seasonality; history divides it down.
	monthlyUSD int64
	// growthBP is the month-over-month growth: 253 bp a month is +35% a year.
	growthBP int64
	// orderCents is a typical order in US cents: SEA sells cheaply.
	orderCents int64
}

var shapes = []marketShape{
	{"US", 560_000_000, 253, 3500}, // ~490 M a month over the year; +35% a year
	{"ID", 500_000_000, 284, 900},  // ~460 M a month; +40%
	{"TH", 480_000_000, 188, 1000}, // 16 B THB a month; +25%
	{"VN", 400_000_000, 794, 800},  // +150% a year, as H1 2024
	{"MY", 160_000_000, 399, 1200}, // +60%
	{"PH", 200_000_000, 452, 900},  // +70%
	{"SG", 45_000_000, 153, 2500},  // +20%
	{"GB", 70_000_000, 117, 3000},  // live-commerce struggles: +15%
	{"MX", 120_000_000, 959, 2000}, // launched Feb 2025: +200%
	{"ES", 20_000_000, 679, 3200},  // launched Oct 2024: +120%
	{"IE", 8_000_000, 595, 3200},   // +100%
	{"DE", 35_000_000, 896, 3200},  // launched 2025: +180%
	{"FR", 28_000_000, 863, 3200},  // +170%
	{"IT", 18_000_000, 829, 3200},  // +160%
}

// monthFactorBP is each calendar month's weight: the mid-year 6.6 sale, 9.9, 10.10,
// 11.11 and Black Friday, December's holidays; January's lull.
var monthFactorBP = [13]int64{0, 9000, 8800, 9500, 9700, 10000, 11000, 9800, 9800, 10200, 10500, 13000, 12000}

// weekdayFactorBP: shoppers watch and buy more at weekends.
var weekdayFactorBP = [7]int64{11500, 9000, 9000, 9000, 9200, 11000, 12000}

// historyShop is a shop made for history in markets the demo has none of (or only one).
type historyShop struct {
	market, name, theme string
}

var historyShops = []historyShop{
	{"US", "Denim District", "fashion"},
	{"GB", "Northern Knits", "fashion"}, {"GB", "Brew & Bake", "home"},
	{"ID", "Dapur Nusantara", "food"}, {"ID", "Gadget Murah", "tech"},
	{"TH", "Bangkok Beauty", "beauty"}, {"TH", "Chiang Mai Crafts", "crafts"},
	{"VN", "Hà Nội Home", "home"}, {"VN", "Mỹ phẩm Việt", "beauty"},
	{"MX", "Moda Norte", "fashion"}, {"MX", "Cocina Viva", "home"},
	{"MY", "KL Kicks", "fashion"}, {"MY", "Batik Boutique", "crafts"}, {"MY", "Dapur Mak", "food"},
	{"PH", "Manila Mart", "home"}, {"PH", "Cebu Crafts", "crafts"}, {"PH", "Glow PH", "beauty"},
	{"SG", "Lion City Tech", "tech"}, {"SG", "Orchard Skin", "beauty"},
	{"ES", "Moda Madrid", "fashion"}, {"ES", "Casa Andaluza", "home"},
	{"IE", "Dublin Knit Co", "fashion"}, {"IE", "Emerald Beauty", "beauty"},
	{"DE", "Berliner Küche", "home"}, {"DE", "Sport Stadt", "fashion"}, {"DE", "Technik Ecke", "tech"},
	{"FR", "Maison Lumière", "home"}, {"FR", "Petit Atelier", "beauty"},
	{"IT", "Moda Milano", "fashion"}, {"IT", "Cucina Toscana", "food"},
}

// themeProducts are three products per theme, priced in US cents.
var themeProducts = map[string][]struct {
	title string
	cents int64
}{
	"fashion": {{"Relaxed Linen Shirt", 2900}, {"Everyday Sneakers", 4900}, {"Wide-leg Jeans", 3900}},
	"home":    {{"Ceramic Mug Set", 2400}, {"Cast Iron Skillet", 3500}, {"Linen Throw", 4200}},
	"beauty":  {{"Hydrating Serum", 1900}, {"Matte Lip Set", 1500}, {"SPF 50 Sunscreen", 1300}},
	"tech":    {{"Wireless Earbuds", 2900}, {"Power Bank 20000", 2200}, {"Phone Ring Light", 1600}},
	"food":    {{"Chili Crunch Jar", 800}, {"Snack Box", 1200}, {"Specialty Coffee", 1400}},
	"crafts":  {{"Handwoven Basket", 2600}, {"Block-print Scarf", 2100}, {"Carved Coaster Set", 1500}},
}

// historyCreator is a creator made for history in markets without a demo creator.
type historyCreator struct {
	market, handle, name, show string
}

var historyCreators = []historyCreator{
	{"VN", "linh.review", "Linh Review", "Săn sale cùng Linh"},
	{"MY", "aisyah.style", "Aisyah", "Raya style live"},
	{"PH", "bea.deals", "Bea Deals", "Payday deals"},
	{"SG", "jun.tech", "Jun", "Gadget Friday"},
	{"ES", "lucia.moda", "Lucía", "Moda en directo"},
	{"IE", "aoife.beauty", "Aoife", "Glow with Aoife"},
	{"DE", "jonas.kocht", "Jonas", "Jonas kocht live"},
	{"FR", "chloe.chic", "Chloé", "Le live de Chloé"},
	{"IT", "giulia.casa", "Giulia", "Casa in diretta"},
}

// demoShows names the lives of the demo's own creators.
var demoShows = map[string]string{
	"mia.makeup": "Glow-up night", "chef.dan": "Dinner in 15", "tea.with.tom": "Tea time live",
	"rina.gaya": "Flash sale batik", "ploy.eats": "Snack taste test", "lupe.casa": "Artesanía en vivo",
}

// cast is who sells in a market's history.
type cast struct {
	market   market.Market
	shops    []seller.Shop
	products map[id.ID][]catalog.Product // by shop
	creators []creator.Creator
	shows    map[id.ID]string // creator -> name of their live
	shape    marketShape
	// perUSDMicros is the market currency's seed rate, only to size quantities.
	perUSDMicros int64
}

// history seeds the year of history and the KPI targets that go with it.
func (s *seeder) history(ctx context.Context) error {
	casts, err := s.historyCast(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(2024, 1111))
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(historyMonths - 1), 0)
	total := 0
	for m := 0; m < historyMonths; m++ {
		month := first.AddDate(0, m, 0)
		s.bar("GMV history "+month.Format("Jan 2006"), m, historyMonths)
		var in analytics.HistoryImport
		for _, c := range casts {
			orders, sessions := c.month(rng, month, now)
			in.Orders = append(in.Orders, orders...)
			in.Sessions = append(in.Sessions, sessions...)
		}
		if m == 0 {
			rec := s.recordLives(casts, now)
			in.Orders, in.Sessions = append(in.Orders, rec.Orders...), append(in.Sessions, rec.Sessions...)
		}
		if _, err := s.a.Analytics.ImportHistory(ctx, s.operator, in); err != nil {
			return fmt.Errorf("import %s: %w", month.Format("2006-01"), err)
		}
		total += len(in.Orders)
	}
	s.bar(fmt.Sprintf("GMV history: %d orders", total), historyMonths, historyMonths)
	return s.targets(ctx, casts, now)
}

// historyCast gathers each market's shops, products and creators, making the ones
// history needs that the demo world lacks, through the services like everything else.
func (s *seeder) historyCast(ctx context.Context) ([]*cast, error) {
	rates, err := s.a.FX.Rates(ctx)
	if err != nil {
		return nil, err
	}
	byMarket := map[string]*cast{}
	var out []*cast
	for _, sh := range shapes {
		m, err := s.a.Markets.Market(ctx, sh.code)
		if err != nil {
			return nil, err
		}
		r, err := rates.At(m.Currency, time.Now())
		if err != nil {
			return nil, err
		}
		c := &cast{market: m, products: map[id.ID][]catalog.Product{}, shows: map[id.ID]string{}, shape: sh, perUSDMicros: r.PerUSDMicros}
		byMarket[sh.code] = c
		out = append(out, c)
	}
	for key, shop := range s.shops {
		if c := byMarket[shop.Market]; c != nil {
			c.shops = append(c.shops, shop)
			c.products[shop.ID] = s.products[key]
		}
	}
	for i, hs := range historyShops {
		c := byMarket[hs.market]
		owner, err := s.a.Identity.Provision(ctx, fmt.Sprintf("history.shop%02d@liveshop.demo", i), hs.name+" team", "", auth.Seller)
		if err != nil {
			return nil, err
		}
		shop, err := s.a.Sellers.Register(ctx, owner.Actor(), seller.RegisterInput{Market: hs.market, Name: hs.name})
		if err != nil {
			return nil, err
		}
		for j, p := range themeProducts[hs.theme] {
			price, err := localPrice(rates, p.cents, c.market.Currency)
			if err != nil {
				return nil, err
			}
			prod, err := s.a.Catalog.CreateProduct(ctx, owner.Actor(), shop.ID, catalog.ProductInput{Title: p.title,
				SKUs: []catalog.SKUInput{{SellerSKU: fmt.Sprintf("H%02d-%d", i, j+1), Name: "Standard", Price: price, Stock: 500}}})
			if err != nil {
				return nil, err
			}
			c.products[shop.ID] = append(c.products[shop.ID], prod)
		}
		c.shops = append(c.shops, shop)
	}
	for _, spec := range creators {
		cr, err := s.a.Creators.ByHandle(ctx, spec.Handle)
		if err != nil {
			return nil, err
		}
		if c := byMarket[cr.Market]; c != nil && spec.Followers >= 1000 {
			c.creators = append(c.creators, cr)
			c.shows[cr.ID] = demoShows[cr.Handle]
		}
	}
	for i, hc := range historyCreators {
		acct, err := s.a.Identity.Provision(ctx, fmt.Sprintf("history.creator%02d@liveshop.demo", i), hc.name, "", auth.Creator)
		if err != nil {
			return nil, err
		}
		cr, err := s.a.Creators.CreateProfile(ctx, acct.Actor(), creator.ProfileInput{Handle: hc.handle, DisplayName: hc.name, Market: hc.market, BirthDate: "1995-03-08"})
		if err != nil {
			return nil, err
		}
		byMarket[hc.market].creators = append(byMarket[hc.market].creators, cr)
		byMarket[hc.market].shows[cr.ID] = hc.show
	}
	return out, nil
}

// localPrice turns a price in US cents into a round price in currency.
func localPrice(rates market.Rates, cents int64, currency string) (money.Money, error) {
	r, err := rates.At(currency, time.Now())
	if err != nil {
		return money.Money{}, err
	}
	c, _ := money.Lookup(currency)
	minor := cents * r.PerUSDMicros / 100 * pow10(c.Exponent) / 1_000_000
	// Keep two significant digits and end in 9 where the currency has cents, as shops do.
	step := int64(1)
	for minor/step >= 100 {
		step *= 10
	}
	minor = max(minor/step*step, step)
	if c.DisplayExponent > 0 && step >= 100 {
		minor--
	}
	return money.New(minor, currency), nil
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// dayTargetCents is what a market sells on a day of history, in US cents, at demo
// scale: this month's level, less the growth since that month, times the month's and
// the weekday's weight and some noise.
func (c *cast) dayTargetCents(rng *rand.Rand, day time.Time, monthsBack int) int64 {
	v := c.shape.monthlyUSD * 100 / historyScale
	for range monthsBack {
		v = v * 10_000 / (10_000 + c.shape.growthBP)
	}
	v = v * monthFactorBP[day.Month()] / 10_000
	v = v / int64(daysIn(day)) * weekdayFactorBP[day.Weekday()] / 10_000
	return v * (8_500 + rng.Int64N(3_001)) / 10_000 // ±15%
}

func daysIn(t time.Time) int { return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// maxOrdersPerDay keeps the demo quick to seed: big markets sell fewer, larger orders.
const maxOrdersPerDay = 10

// liveSlot is a live that happened.
type liveSlot struct{ session analytics.ImportedSession }

// month makes a market's orders and lives of one month, up to now.
func (c *cast) month(rng *rand.Rand, month, now time.Time) ([]events.OrderPaid, []analytics.ImportedSession) {
	loc := c.market.Location()
	if len(c.shops) == 0 {
		return nil, nil
	}
	var orders []events.OrderPaid
	var sessions []analytics.ImportedSession
	monthsBack := (now.Year()-month.Year())*12 + int(now.Month()-month.Month())
	for d := month; d.Month() == month.Month(); d = d.AddDate(0, 0, 1) {
		dayStart := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		if !dayStart.Before(now) {
			break
		}
		// Each creator goes live twice a week, on days of their own, at 19:00.
		var lives []liveSlot
		for i, cr := range c.creators {
			if (int(d.Weekday())+i)%7 != 2 && (int(d.Weekday())+i)%7 != 5 {
				continue
			}
			start := dayStart.Add(19 * time.Hour)
			if !start.Add(2 * time.Hour).Before(now) {
				continue
			}
			ss := analytics.ImportedSession{ID: id.New(), Market: c.market.Code, CreatorID: cr.ID, Title: c.shows[cr.ID] + " · " + d.Format("2 Jan"),
				StartedAt: start, EndedAt: start.Add(2 * time.Hour)}
			lives = append(lives, liveSlot{ss})
			sessions = append(sessions, ss)
		}
		target := c.dayTargetCents(rng, d, monthsBack)
		n := int(min(max(target/c.shape.orderCents, 2), maxOrdersPerDay))
		for range n {
			var lines []events.OrderLine
			shop := c.shops[rng.IntN(len(c.shops))]
			prods := c.products[shop.ID]
			if len(prods) == 0 {
				continue
			}
			at := dayStart.Add(orderHour(rng))
			budget := target / int64(n)
			var live *liveSlot
			nLines := 1 + rng.IntN(2)
			for range nLines {
				p := prods[rng.IntN(len(prods))]
				ln := events.OrderLine{LineID: id.New(), ProductID: p.ID, SKUID: p.SKUs[0].ID, Title: p.Title}
				switch x := rng.IntN(100); {
				case x < 40 && len(lives) > 0:
					if live == nil {
						live = &lives[rng.IntN(len(lives))]
						// Sales build up through a live: later minutes sell more.
						at = live.session.StartedAt.Add(time.Duration(rng.IntN(60)+rng.IntN(61)) * time.Minute)
					}
					ln.Source, ln.CreatorID, ln.LiveSessionID = "LIVE", live.session.CreatorID, live.session.ID
				case x < 65 && len(c.creators) > 0:
					ln.Source, ln.CreatorID = "VIDEO", c.creators[rng.IntN(len(c.creators))].ID
				case x < 80 && len(c.creators) > 0:
					ln.Source, ln.CreatorID = "SHOWCASE", c.creators[rng.IntN(len(c.creators))].ID
				default:
					ln.Source = "PRODUCT_CARD"
				}
				price := p.SKUs[0].Price.Amount
				lineBudget := c.local(budget) / int64(nLines)
				ln.Quantity = min(max((lineBudget+price/2)/price, 1), 30)
				ln.UnitPrice, ln.Total = price, price*ln.Quantity
				lines = append(lines, ln)
			}
			if !at.Before(now) {
				continue
			}
			orders = append(orders, pastOrder(shop, c.market.Currency, at, lines))
		}
	}
	return orders, sessions
}

// local converts demo-scale US cents to the market's minor units at the seed rate,
// only to size quantities (every amount recorded is a real price times a quantity).
func (c *cast) local(cents int64) int64 {
	cur, _ := money.Lookup(c.market.Currency)
	return cents * (c.perUSDMicros / 100) * pow10(cur.Exponent) / 1_000_000
}

// orderHour picks when in the day an order is paid: evenings busiest.
func orderHour(rng *rand.Rand) time.Duration {
	weights := []int{1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 6, 7, 8, 10, 12, 12, 9, 4}
	total := 0
	for _, w := range weights {
		total += w
	}
	x := rng.IntN(total)
	for h, w := range weights {
		if x < w {
			return time.Duration(h)*time.Hour + time.Duration(rng.IntN(3600))*time.Second
		}
		x -= w
	}
	return 12 * time.Hour
}

func pastOrder(shop seller.Shop, currency string, at time.Time, lines []events.OrderLine) events.OrderPaid {
	o := events.Order{OrderID: id.New(), CheckoutID: id.New(), BuyerID: id.New(), ShopID: shop.ID, Market: shop.Market, Currency: currency,
		Status: "COMPLETED", Lines: lines, PaidAt: at.UTC()}
	for _, l := range lines {
		o.Subtotal += l.Total
	}
	o.Total = o.Subtotal
	return events.OrderPaid{Order: o, BuyerName: "", At: at.UTC()}
}

// recordLives echo the article's record room, "a US live went from 665 K to 1.048 M
// USD GMV in one session within a week": two evenings of @mia.makeup selling Glow
// Lab's Mini Glow Kit, seven days apart, the second 58% bigger. The demo concentrates
// a market's lives into a few rooms, so they are sized against the demo's own lives
// (three and then nearly five times a usual one), not scaled down from a million.
func (s *seeder) recordLives(casts []*cast, now time.Time) analytics.HistoryImport {
	var in analytics.HistoryImport
	shop, ok := s.shops["glow"]
	if !ok || len(s.products["glow"]) == 0 {
		return in
	}
	var mia creator.Creator
	for _, c := range casts {
		for _, cr := range c.creators {
			if cr.Handle == "mia.makeup" {
				mia = cr
			}
		}
	}
	if mia.ID == 0 {
		return in
	}
	kit := s.products["glow"][len(s.products["glow"])-1]
	for _, p := range s.products["glow"] {
		if strings.Contains(p.Title, "Kit") {
			kit = p
		}
	}
	us, err := s.a.Markets.Market(context.Background(), "US")
	if err != nil {
		return in
	}
	for _, rec := range []struct {
		daysAgo int
		title   string
		cents   int64
	}{{49, "Record night: Glow Lab × Mia", 1_100_00}, {42, "Record night II: +58% in a week", 1_734_00}} {
		day := now.In(us.Location()).AddDate(0, 0, -rec.daysAgo)
		start := time.Date(day.Year(), day.Month(), day.Day(), 18, 0, 0, 0, us.Location())
		ss := analytics.ImportedSession{ID: id.New(), Market: "US", CreatorID: mia.ID, Title: rec.title, StartedAt: start, EndedAt: start.Add(4 * time.Hour)}
		in.Sessions = append(in.Sessions, ss)
		price := kit.SKUs[0].Price.Amount
		var sold int64
		for i := 0; sold < rec.cents; i++ {
			qty := int64(1 + (i*7)%4)
			// The room heats up: the later in the evening, the more orders crowd in.
			at := start.Add(time.Duration(240-240*10/(10+i)) * time.Minute)
			ln := events.OrderLine{LineID: id.New(), ProductID: kit.ID, SKUID: kit.SKUs[0].ID, Title: kit.Title, Quantity: qty, UnitPrice: price,
				Total: price * qty, Source: "LIVE", CreatorID: mia.ID, LiveSessionID: ss.ID}
			in.Orders = append(in.Orders, pastOrder(shop, "USD", at, []events.OrderLine{ln}))
			sold += ln.Total
		}
	}
	return in
}

// targets seeds the KPI targets the articles talk about, at demo scale: the world's
// 50 B USD for the year, the US's 17.5 B, this month's for the big markets, and a
// monthly target for Glow Lab, which opts in.
func (s *seeder) targets(ctx context.Context, casts []*cast, now time.Time) error {
	year, month := now.Format("2006"), now.Format("2006-01")
	set := func(actor auth.Actor, in analytics.TargetInput) error {
		_, err := s.a.Analytics.SetTarget(ctx, actor, in)
		return err
	}
	if err := set(s.operator, analytics.TargetInput{Scope: analytics.ScopeGlobal, Name: "World GMV " + year + " (50 B USD ÷ 20,000)", Period: year,
		Target: money.New(50_000_000_000_00/historyScale, "USD")}); err != nil {
		return err
	}
	if err := set(s.operator, analytics.TargetInput{Scope: analytics.ScopeMarket, Market: "US", Name: "US GMV " + year + " (17.5 B USD ÷ 20,000)", Period: year,
		Target: money.New(17_500_000_000_00/historyScale, "USD")}); err != nil {
		return err
	}
	rates, err := s.a.FX.Rates(ctx)
	if err != nil {
		return err
	}
	for _, c := range casts {
		switch c.market.Code {
		case "US", "ID", "TH", "VN", "GB", "MX":
		default:
			continue
		}
		// This month's target: the month's level and a stretch of a tenth.
		cents := c.shape.monthlyUSD * 100 / historyScale * monthFactorBP[now.Month()] / 10_000 * 11 / 10
		amount, err := localPrice(rates, cents, c.market.Currency)
		if err != nil {
			return err
		}
		if err := set(s.operator, analytics.TargetInput{Scope: analytics.ScopeMarket, Market: c.market.Code, Period: month, Target: amount}); err != nil {
			return err
		}
	}
	glow, owner := s.shops["glow"], s.owners["glow"]
	if err := s.a.Analytics.OptIn(ctx, owner, glow.ID, true); err != nil {
		return err
	}
	return set(owner, analytics.TargetInput{Scope: analytics.ScopeShop, ShopID: glow.ID, Name: "Glow Lab this month", Period: month, Target: money.New(9_000_00, "USD")})
}
