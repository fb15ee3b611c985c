package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// operator checks the page is for an operator, answering the request if not.
func (s *Server) operator(w http.ResponseWriter, r *http.Request) bool {
	if err := auth.From(r.Context()).Require(auth.Operator); err != nil {
		s.fail(w, r, err)
		return false
	}
	return true
}

func (s *Server) opsHome(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	totals, err := s.Analytics.Totals(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.Markets.Markets(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	chartMarket := s.market(r)
	m, _ := s.Markets.Market(ctx, chartMarket)
	now := time.Now()
	days, err := s.Analytics.Daily(ctx, chartMarket, m.Day(now.AddDate(0, 0, -29)), m.Day(now))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ops_home", "Ops console", "ops", struct {
		Markets     []market.Market
		Totals      []analytics.MarketTotal
		ChartMarket market.Market
		Days        []analytics.Day
	}{ms, totals, m, days})
}

// policyView is a market's policy for the editor: the version in force and the
// history, with the document pretty-printed for editing.
type policyView struct {
	Market   market.Market
	Current  market.Version
	Document string
	History  []market.Version
	States   []market.LaunchState
}

func (s *Server) opsMarket(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	m, err := s.Markets.Market(ctx, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.Markets.PolicyVersion(ctx, m.Code, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := s.Markets.History(ctx, m.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc, _ := json.MarshalIndent(cur.Policy, "", "  ")
	s.render(w, r, "ops_market", m.Name, "ops", policyView{Market: m, Current: cur, Document: string(doc), History: hist,
		States: []market.LaunchState{market.Planned, market.Registration, market.Live, market.Paused}})
}

func (s *Server) opsSetPolicy(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	back := "/ops/markets/" + code
	var p market.Policy
	dec := json.NewDecoder(stringsReader(r.PostFormValue("document")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		s.back(w, r, back, errs.Invalidf("document", "the policy is not valid JSON for a policy: %v", err))
		return
	}
	from := time.Now()
	if v := r.PostFormValue("effective_from"); v != "" {
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			s.back(w, r, back, errs.Invalidf("effective_from", "pick a date and time"))
			return
		}
		from = t
	}
	v, err := s.Markets.SetPolicy(r.Context(), auth.From(r.Context()), code, from, p, r.PostFormValue("note"))
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "New policy for "+code+" in force from "+v.EffectiveFrom.Format("2 Jan 2006 15:04 UTC")+".")
}

func (s *Server) opsSetLaunch(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	m, err := s.Markets.SetLaunch(r.Context(), auth.From(r.Context()), code, market.LaunchState(r.PostFormValue("launch_state")), r.PostFormValue("launch_date"))
	if err != nil {
		s.back(w, r, "/ops/markets/"+code, err)
		return
	}
	done(w, r, "/ops/markets/"+code, m.Name+" is now "+string(m.LaunchState)+".")
}

func (s *Server) opsLedger(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	tb, err := s.Ledger.TrialBalance(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	accts, err := s.Ledger.Accounts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recent, err := s.Ledger.RecentTransfers(ctx, 30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	verr := s.Ledger.Verify(ctx)
	s.render(w, r, "ops_ledger", "Ledger", "ops", struct {
		Trial     map[string]int64
		Accounts  []ledger.Account
		Transfers []ledger.Transfer
		Verified  bool
		Problem   string
	}{tb, accts, recent, verr == nil, errString(verr)})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *Server) opsEvents(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	pending, dead, err := s.Outbox.Stats(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.Outbox.Dead(ctx, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ops_events", "Events", "ops", struct {
		Pending, DeadCount int64
		Dead               []outbox.DeadEvent
	}{pending, dead, list})
}

func (s *Server) opsRedeliver(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	eid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.Outbox.Redeliver(r.Context(), id.ID(eid))
	}
	if err != nil {
		s.back(w, r, "/ops/events", errs.Invalidf("id", "%v", err))
		return
	}
	done(w, r, "/ops/events", "Event queued again.")
}
