package web

// GMV analytics for sellers (their own shop, with targets for shops that opt in) and
// for creators (their own sales, and the road to a million dollars).

import (
	"html/template"
	"net/http"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

func mixTable(id, title string, shares []analytics.Share) *dataTable {
	t := &dataTable{ID: id, Title: title, Empty: "No sales this month.", Head: []string{"Channel", "Share", "GMV", "Orders", "Units"}}
	for _, x := range shares {
		t.Rows = append(t.Rows, []tableCell{cellText(x.Label), cellShare(x.ShareBP), cellAmount(x.GMV), cellCount(x.Orders), cellCount(x.Units)})
	}
	return t
}

func daysTable(days []analytics.Point) *dataTable {
	t := &dataTable{ID: "days", Title: "Day by day", Head: []string{"Day", "GMV", "Orders", "Units"}}
	for _, d := range days {
		t.Rows = append(t.Rows, []tableCell{cellText(d.Period), cellAmount(d.GMV), cellCount(d.Orders), cellCount(d.Units)})
	}
	return t
}

func (s *Server) shopAnalytics(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.Analytics.ShopView(r.Context(), auth.From(r.Context()), shopID, r.URL.Query().Get("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days := daysTable(v.Days)
	channels := mixTable("channels", "Channel mix", v.Channels)
	categories := mixTable("categories", "Categories", v.CategoryDetail)
	categories.Head[0] = "Category"
	products := rankTable("top-products", "Top products", v.TopProducts, false)
	lives := sessionTable("lives", "Your lives", v.Lives, false)
	targets := targetTable("targets", "Your targets", v.Targets)
	if s.exported(w, r, "shop-"+shopID.String()+"-"+v.Month, []*dataTable{days, channels, categories, products, lives, targets}) {
		return
	}
	m, err := s.Markets.Market(r.Context(), v.Shop.Market)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cards := make([]targetCard, 0, len(v.Targets))
	for _, p := range v.Targets {
		cards = append(cards, targetCard{Progress: p, Chart: burnUp("burnup-"+p.ID.String(), p)})
	}
	s.render(w, r, "analytics_shop", v.Shop.Name+" analytics", "seller", struct {
		V                                       analytics.ShopView
		Nav                                     monthNav
		Currency                                string
		DailyChart, ChannelChart, CategoryChart template.HTML
		Days, Channels, Products, Lives, List   dataTable
		Categories                              dataTable
		Targets                                 []targetCard
	}{v, navOf(v.Month), m.Currency,
		dailyChart("chart-daily", "Daily GMV of "+v.Shop.Name+", "+v.Month, v.Days, m.Currency, v.Targets),
		donut("chart-channels", "Channel mix, "+v.Month, v.Channels, channelColourFor),
		donut("chart-categories", "Category mix, "+v.Month, v.Categories, paletteColour),
		*days, *channels, *products, *lives, *targets, *categories, cards})
}

func shopAnalyticsPath(r *http.Request) string {
	return "/seller/shops/" + r.PathValue("id") + "/analytics"
}

func (s *Server) shopOptIn(w http.ResponseWriter, r *http.Request) {
	back := shopAnalyticsPath(r)
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	on := r.PostFormValue("opt_in") == "1"
	if err := s.Analytics.OptIn(r.Context(), auth.From(r.Context()), shopID, on); err != nil {
		s.back(w, r, back, err)
		return
	}
	msg := "Your shop now tracks GMV targets."
	if !on {
		msg = "Your shop no longer tracks GMV targets."
	}
	done(w, r, back, msg)
}

func (s *Server) shopSetTarget(w http.ResponseWriter, r *http.Request) {
	back := shopAnalyticsPath(r)
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := targetForm(r, analytics.ScopeShop)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	in.ShopID, in.Market = shopID, ""
	t, err := s.Analytics.SetTarget(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Target “"+t.Name+"” set: "+t.Amount.Format()+" for "+t.Period.Label+".")
}

func (s *Server) shopDeleteTarget(w http.ResponseWriter, r *http.Request) {
	back := shopAnalyticsPath(r)
	tid, err := httpx.PathID(r, "tid")
	if err == nil {
		err = s.Analytics.DeleteTarget(r.Context(), auth.From(r.Context()), tid)
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Target deleted.")
}

func (s *Server) creatorAnalytics(w http.ResponseWriter, r *http.Request) {
	v, err := s.Analytics.CreatorView(r.Context(), auth.From(r.Context()), r.URL.Query().Get("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days := daysTable(v.Days)
	channels := mixTable("channels", "Channel mix", v.Channels)
	categories := mixTable("categories", "Categories", v.CategoryDetail)
	categories.Head[0] = "Category"
	lives := sessionTable("lives", "Your lives this month", v.Lives, false)
	if s.exported(w, r, "creator-"+v.Creator.Handle+"-"+v.Month, []*dataTable{days, channels, categories, lives}) {
		return
	}
	s.render(w, r, "analytics_creator", "My sales", "creator", struct {
		V                                       analytics.CreatorView
		Nav                                     monthNav
		DailyChart, ChannelChart, CategoryChart template.HTML
		Days, Channels, Categories, Lives       dataTable
	}{v, navOf(v.Month),
		dailyChart("chart-daily", "Your daily GMV, "+v.Month, v.Days, v.Total.GMV.Currency, nil),
		donut("chart-channels", "Your channel mix, "+v.Month, v.Channels, channelColourFor),
		donut("chart-categories", "Your category mix, "+v.Month, v.Categories, paletteColour),
		*days, *channels, *categories, *lives})
}
