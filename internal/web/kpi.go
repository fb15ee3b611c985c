package web

// The Ops console's KPI page: GMV targets per market and for the world, their
// progress and projections; the FX table that puts markets into US dollars; and the
// check and rebuild of the rollups.

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/money"
)

func (s *Server) opsKPI(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	ps, err := s.Analytics.Targets(ctx, auth.From(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rates, err := s.FX.Rates(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := time.Now()
	fx := &dataTable{ID: "fx-rates", Title: "FX rates in force (units per US dollar)", Head: []string{"Currency", "Per USD", "In force since", "Note"}}
	for _, rt := range rates.Current(now) {
		fx.Rows = append(fx.Rows, []tableCell{cellText(rt.Currency), {Text: rt.PerUSD(), Num: true}, cellText(rt.EffectiveFrom.UTC().Format("2006-01-02 15:04 UTC")), cellText(rt.Note)})
	}
	targets := targetTable("targets", "Targets", ps)
	if s.exported(w, r, "kpi", []*dataTable{targets, fx}) {
		return
	}
	ms, err := s.Markets.Markets(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cards := make([]targetCard, 0, len(ps))
	for _, p := range ps {
		// The list draws each target small; its own page has the burn-up chart.
		cards = append(cards, targetCard{Progress: p})
	}
	s.render(w, r, "kpi_home", "KPI targets", "ops", struct {
		Targets     []targetCard
		TargetTable dataTable
		FX          dataTable
		Markets     []market.Market
		Currencies  []string
		ThisMonth   string
		ThisYear    string
	}{cards, *targets, *fx, ms, currencies(rates.Current(now)), now.UTC().Format("2006-01"), now.UTC().Format("2006")})
}

func currencies(rs []market.Rate) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Currency)
	}
	return out
}

// targetForm reads a target from a form: amount is in major units of currency.
func targetForm(r *http.Request, scope string) (analytics.TargetInput, error) {
	in := analytics.TargetInput{Scope: scope, Market: r.PostFormValue("market"), Name: r.PostFormValue("name"),
		Period: strings.TrimSpace(r.PostFormValue("period"))}
	cur := strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency")))
	m, err := money.Parse(r.PostFormValue("amount"), cur)
	if err != nil {
		if e := errs.As(err); e != nil && e.Code == "unknown_currency" {
			return in, e.OnField("target.currency")
		}
		return in, errs.OnField(err, "target.amount")
	}
	in.Target = m
	return in, nil
}

func (s *Server) opsSetTarget(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	scope := r.PostFormValue("scope")
	in, err := targetForm(r, scope)
	if err == nil && scope == analytics.ScopeGlobal {
		in.Market = ""
	}
	if err != nil {
		s.back(w, r, "/ops/kpi", err)
		return
	}
	t, err := s.Analytics.SetTarget(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		s.back(w, r, "/ops/kpi", err)
		return
	}
	done(w, r, "/ops/kpi/targets/"+t.ID.String(), "Target “"+t.Name+"” set: "+t.Amount.Format()+" for "+t.Period.Label+".")
}

func (s *Server) opsTarget(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	tid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Analytics.Target(r.Context(), auth.From(r.Context()), tid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days := dayProgressTable(p)
	if s.exported(w, r, "target-"+p.ID.String(), []*dataTable{days}) {
		return
	}
	s.render(w, r, "kpi_target", p.Name, "ops", struct {
		P        analytics.Progress
		Chart    template.HTML
		Days     dataTable
		Seasonal string
		Back     string
	}{p, burnUp("chart-burnup", p), *days, basisLabel(p.Seasonal), "/ops/kpi"})
}

// dayProgressTable lists a target's period day by day against an even pace.
func dayProgressTable(p analytics.Progress) *dataTable {
	t := &dataTable{ID: "days", Title: "Day by day", Head: []string{"Day", "GMV", "Cumulative", "Even pace"}}
	cur := p.Amount.Currency
	for i, d := range p.Days {
		pace := money.Ratio(p.Amount.Amount, int64(i+1), int64(len(p.Days)))
		row := []tableCell{cellText(d.Day), cellAmount(money.New(d.GMV, cur)), cellAmount(money.New(d.Cumulative, cur)), cellAmount(money.New(pace, cur))}
		if d.Future {
			row[1], row[2] = tableCell{Text: "–", Num: true}, tableCell{Text: "–", Num: true}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func (s *Server) opsDeleteTarget(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	tid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.Analytics.DeleteTarget(r.Context(), auth.From(r.Context()), tid)
	}
	if err != nil {
		s.back(w, r, "/ops/kpi", err)
		return
	}
	done(w, r, "/ops/kpi", "Target deleted.")
}

func (s *Server) opsSetRate(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	in := market.RateInput{Currency: r.PostFormValue("currency"), PerUSD: r.PostFormValue("per_usd"), Note: r.PostFormValue("note")}
	if v := r.PostFormValue("effective_from"); v != "" {
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			s.back(w, r, "/ops/kpi", errs.Invalidf("effective_from", "pick a date and time (UTC)"))
			return
		}
		in.EffectiveFrom = t
	}
	rate, err := s.FX.SetRate(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		s.back(w, r, "/ops/kpi", err)
		return
	}
	done(w, r, "/ops/kpi", "1 USD = "+rate.PerUSD()+" "+rate.Currency+" from "+rate.EffectiveFrom.Format("2 Jan 2006 15:04 UTC")+".")
}
