package web

// Seller Center's affiliate section (open and target collaborations, applications,
// samples, creator search and recommendations, affiliate orders, conversations),
// the Creator Center's collaboration actions, affiliate links and the Ops list of
// shops late with commissions.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// affiliateRoutes registers the affiliate pages and actions.
func (s *Server) affiliateRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /seller/shops/{id}/affiliate", s.sellerAffiliate)
	mux.HandleFunc("POST /seller/shops/{id}/affiliate/open", s.affiliateSetOpen)
	mux.HandleFunc("POST /seller/shops/{id}/affiliate/plans", s.affiliateCreatePlan)
	mux.HandleFunc("POST /seller/shops/{id}/affiliate/ad-links", s.affiliateAdLink)
	mux.HandleFunc("POST /seller/shops/{id}/affiliate/applications", s.affiliateDecideApplication)
	mux.HandleFunc("POST /seller/shops/{id}/affiliate/samples/{sid}", s.affiliateSampleAction)
	mux.HandleFunc("GET /seller/shops/{id}/affiliate/messages", s.affiliateThread)
	mux.HandleFunc("POST /seller/shops/{id}/affiliate/messages", s.affiliateSend)

	mux.HandleFunc("POST /creator/showcase/{pid}/remove", s.creatorRemoveShowcase)
	mux.HandleFunc("POST /creator/showcase/{pid}/move", s.creatorMoveShowcase)
	mux.HandleFunc("POST /creator/apply", s.creatorApply)
	mux.HandleFunc("POST /creator/invitations/{plan}", s.creatorRespond)
	mux.HandleFunc("POST /creator/samples", s.creatorRequestSample)
	mux.HandleFunc("POST /creator/samples/{sid}", s.creatorSampleAction)
	mux.HandleFunc("POST /creator/sample-address", s.creatorSampleAddress)
	mux.HandleFunc("GET /creator/messages", s.creatorThread)
	mux.HandleFunc("POST /creator/messages", s.creatorSend)
	mux.HandleFunc("GET /l/{token}", s.affiliateClick)

	mux.HandleFunc("GET /ops/affiliate", s.opsAffiliate)
	mux.HandleFunc("POST /ops/affiliate/shops/{id}/paid", s.opsCommissionsPaid)
	mux.HandleFunc("POST /ops/affiliate/suspensions", s.opsSuspend)
	mux.HandleFunc("POST /ops/affiliate/suspensions/{id}/lift", s.opsLiftSuspension)
}

func (s *Server) sellerAffiliate(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := auth.From(ctx)
	products, err := s.Catalog.ProductsOfShop(ctx, shop.ID, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	offers, err := s.Creators.ShopOffers(ctx, actor, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byProduct := map[id.ID]creator.Offer{}
	for _, o := range offers {
		byProduct[o.ProductID] = o
	}
	type row struct {
		Product catalog.Product
		Offer   creator.Offer
		Offered bool
	}
	var rows []row
	titles := map[id.ID]string{}
	for _, p := range products {
		o, found := byProduct[p.ID]
		rows = append(rows, row{p, o, found})
		titles[p.ID] = p.Title
	}
	plans, err := s.Creators.ShopPlans(ctx, actor, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	apps, err := s.Creators.Applications(ctx, actor, shop.ID, creator.ApprovalPending)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	samples, err := s.Creators.ShopSamples(ctx, actor, shop.ID, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	commissions, err := s.Creators.ShopCommissions(ctx, actor, shop.ID, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	threads, err := s.Creators.ShopThreads(ctx, actor, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recommended, target, err := s.Creators.RecommendForShop(ctx, actor, shop.ID, 10)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats, err := s.Creators.Categories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	search := creator.SearchQuery{Market: shop.Market, Category: q.Get("category"), Sort: q.Get("sort"), Limit: 20}
	search.MinFollowers, _ = strconv.ParseInt(q.Get("min_followers"), 10, 64)
	var found []creator.Candidate
	var searchErr string
	if q.Has("search") {
		if found, err = s.Creators.SearchCreators(ctx, actor, search); err != nil {
			searchErr = httpx.Public(err).Message
		}
	}
	s.render(w, r, "affiliate_seller", shop.Name+" · Affiliate", "seller", struct {
		ShopHeader
		Market      string
		Currency    string
		Products    []row
		Titles      map[id.ID]string
		Plans       []creator.TargetPlan
		Apps        []creator.Application
		Samples     []creator.Sample
		Commissions []creator.Commission
		Threads     []creator.ThreadSummary
		Unread      int
		Recommended []creator.Fit
		Target      creator.MatchTarget
		Search      creator.SearchQuery
		Searched    bool
		Found       []creator.Candidate
		SearchErr   string
		Categories  []string
		Tomorrow    string
		Back        string
	}{header(shop, m, "/affiliate"), shop.Market, m.Currency, rows, titles, plans, apps, samples, commissions, threads, creator.Unread(threads),
		recommended, target, search, q.Has("search"), found, searchErr, cats, time.Now().AddDate(0, 0, 14).Format(time.DateOnly), "/seller/shops/" + shop.ID.String() + "/affiliate"})
}

func (s *Server) affiliateBase(r *http.Request) string {
	return "/seller/shops/" + r.PathValue("id") + "/affiliate"
}

func (s *Server) affiliateSetOpen(w http.ResponseWriter, r *http.Request) {
	back := s.affiliateBase(r)
	pid, err := id.Parse(r.PostFormValue("product_id"))
	if err != nil {
		s.back(w, r, back, errs.Invalidf("product_id", "choose a product"))
		return
	}
	rate, err := parsePercent("commission_bp", r.PostFormValue("commission"))
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	var ads money.BP
	if v := strings.TrimSpace(r.PostFormValue("ads_commission")); v != "" {
		if ads, err = parsePercent("ads_commission_bp", v); err != nil {
			s.back(w, r, back, err)
			return
		}
	}
	_, err = s.Creators.SetOpenPlan(r.Context(), auth.From(r.Context()), pid, creator.OpenPlanInput{CommissionBP: rate, AdsCommissionBP: ads,
		RequiresApproval: r.PostFormValue("approval") == "on", FreeSamples: r.PostFormValue("samples") == "on",
		Category: r.PostFormValue("category"), Active: r.PostFormValue("active") != "off"})
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Open collaboration saved.")
}

// affiliateAdLink makes the ad link for a creator's promotion of one of the shop's
// products and shows it in the page's notice.
func (s *Server) affiliateAdLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	back := s.affiliateBase(r)
	handle := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("creator")), "@")
	c, err := s.Creators.ByHandle(ctx, handle)
	if err != nil {
		s.back(w, r, back, errs.Invalidf("creator_id", "no creator @%s", handle))
		return
	}
	pid, err := id.Parse(r.PostFormValue("product_id"))
	if err != nil {
		s.back(w, r, back, errs.Invalidf("product_id", "pick a product"))
		return
	}
	link, err := s.Creators.AdLink(ctx, auth.From(ctx), c.ID, pid)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	done(w, r, back, fmt.Sprintf("Ad link for @%s: %s://%s%s (sales through it earn the ads commission)", c.Handle, scheme, r.Host, link.Path))
}

func (s *Server) affiliateCreatePlan(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	back := s.affiliateBase(r)
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := creator.TargetPlanInput{ShopID: shopID, Name: r.PostFormValue("name"), FlashSaleRequested: r.PostFormValue("flash_sale") == "on",
		Message: r.PostFormValue("message")}
	if v := strings.TrimSpace(r.PostFormValue("commission")); v != "" {
		if in.CommissionBP, err = parsePercent("commission_bp", v); err != nil {
			s.back(w, r, back, err)
			return
		}
	}
	if v := strings.TrimSpace(r.PostFormValue("flat_fee")); v != "" {
		shop, _ := s.Sellers.Shop(ctx, shopID)
		m, _ := s.Markets.Market(ctx, shop.Market)
		fee, err := money.Parse(v, m.Currency)
		if err != nil {
			s.back(w, r, back, errs.Invalidf("flat_fee", "give the fee as an amount such as 50 or 49.99"))
			return
		}
		in.FlatFee = fee.Amount
	}
	for _, v := range r.PostForm["product_id"] {
		if pid, err := id.Parse(v); err == nil {
			in.ProductIDs = append(in.ProductIDs, pid)
		}
	}
	for _, h := range strings.FieldsFunc(r.PostFormValue("creators"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		c, err := s.Creators.ByHandle(ctx, strings.TrimPrefix(h, "@"))
		if err != nil {
			s.back(w, r, back, errs.Invalidf("creator_ids", "no creator @%s", strings.TrimPrefix(h, "@")))
			return
		}
		in.CreatorIDs = append(in.CreatorIDs, c.ID)
	}
	exp, err := time.Parse(time.DateOnly, r.PostFormValue("expires"))
	if err != nil {
		s.back(w, r, back, errs.Invalidf("expires_at", "pick the day the invitation expires"))
		return
	}
	in.ExpiresAt = exp.Add(24*time.Hour - time.Second)
	if _, err := s.Creators.CreateTargetPlan(ctx, auth.From(ctx), in); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Invitations sent.")
}

func (s *Server) affiliateDecideApplication(w http.ResponseWriter, r *http.Request) {
	back := s.affiliateBase(r)
	pid, err1 := id.Parse(r.PostFormValue("product_id"))
	cid, err2 := id.Parse(r.PostFormValue("creator_id"))
	if err1 != nil || err2 != nil {
		s.back(w, r, back, errs.Invalidf("creator_id", "choose an application"))
		return
	}
	approve := r.PostFormValue("decision") == "approve"
	if err := s.Creators.DecideApplication(r.Context(), auth.From(r.Context()), pid, cid, approve); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Answered.")
}

func (s *Server) affiliateSampleAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	back := s.affiliateBase(r)
	sid, err := httpx.PathID(r, "sid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := auth.From(ctx)
	msg := ""
	switch r.PostFormValue("action") {
	case "approve":
		days, perr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("content_days")))
		if perr != nil {
			s.back(w, r, back, errs.Invalidf("content_days", "say how many days after delivery the content is due"))
			return
		}
		_, err = s.Creators.DecideSample(ctx, actor, sid, creator.SampleDecision{Approve: true, ContentDays: days})
		msg = "Sample approved: its order is in your orders to ship."
	case "reject":
		_, err = s.Creators.DecideSample(ctx, actor, sid, creator.SampleDecision{Reason: r.PostFormValue("reason")})
		msg = "Sample request rejected."
	default:
		err = errs.Invalidf("action", "approve or reject")
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, msg)
}

func threadFrom(v url.Values) (creator.Thread, error) {
	var t creator.Thread
	var err error
	if t.ShopID, err = id.Parse(v.Get("shop")); err != nil {
		return t, errs.Invalidf("shop_id", "which shop?")
	}
	if t.CreatorID, err = id.Parse(v.Get("creator")); err != nil {
		return t, errs.Invalidf("creator_id", "which creator?")
	}
	if p := v.Get("plan"); p != "" && p != "0" {
		if t.PlanID, err = id.Parse(p); err != nil {
			return t, errs.Invalidf("plan_id", "which plan?")
		}
	}
	return t, nil
}

func threadQuery(t creator.Thread) string {
	return "shop=" + t.ShopID.String() + "&creator=" + t.CreatorID.String() + "&plan=" + strconv.FormatInt(int64(t.PlanID), 10)
}

func (s *Server) showThread(w http.ResponseWriter, r *http.Request, t creator.Thread, post string, nav string) {
	ctx := r.Context()
	msgs, err := s.Creators.Read(ctx, auth.From(ctx), t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shop, _ := s.Sellers.Shop(ctx, t.ShopID)
	c, _ := s.Creators.Creator(ctx, t.CreatorID)
	s.render(w, r, "affiliate_thread", "Conversation", nav, struct {
		Thread   creator.Thread
		ShopName string
		Handle   string
		Messages []creator.Message
		Post     string
		Back     string
	}{t, shop.Name, c.Handle, msgs, post, map[string]string{"seller": "/seller/shops/" + t.ShopID.String() + "/affiliate", "creator": "/creator"}[nav]})
}

func (s *Server) affiliateThread(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	q.Set("shop", r.PathValue("id"))
	t, err := threadFrom(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showThread(w, r, t, s.affiliateBase(r)+"/messages", "seller")
}

func (s *Server) sendTo(w http.ResponseWriter, r *http.Request, t creator.Thread, page string) {
	to := page + "?" + threadQuery(t)
	if _, err := s.Creators.Send(r.Context(), auth.From(r.Context()), t, r.PostFormValue("body")); err != nil {
		s.back(w, r, to, err)
		return
	}
	done(w, r, to, "Sent.")
}

func (s *Server) affiliateSend(w http.ResponseWriter, r *http.Request) {
	v := url.Values{"shop": {r.PathValue("id")}, "creator": {r.PostFormValue("creator")}, "plan": {r.PostFormValue("plan")}}
	t, err := threadFrom(v)
	if err != nil {
		s.back(w, r, s.affiliateBase(r), err)
		return
	}
	s.sendTo(w, r, t, s.affiliateBase(r)+"/messages")
}

func (s *Server) creatorThread(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ctx := r.Context()
	if c, err := s.Creators.ByAccount(ctx, auth.From(ctx).AccountID); err == nil {
		q.Set("creator", c.ID.String())
	}
	t, err := threadFrom(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showThread(w, r, t, "/creator/messages", "creator")
}

func (s *Server) creatorSend(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := url.Values{"shop": {r.PostFormValue("shop")}, "plan": {r.PostFormValue("plan")}}
	if c, err := s.Creators.ByAccount(ctx, auth.From(ctx).AccountID); err == nil {
		v.Set("creator", c.ID.String())
	}
	t, err := threadFrom(v)
	if err != nil {
		s.back(w, r, "/creator", err)
		return
	}
	s.sendTo(w, r, t, "/creator/messages")
}

func (s *Server) creatorAct(w http.ResponseWriter, r *http.Request, err error, msg string) {
	if err != nil {
		s.back(w, r, "/creator", err)
		return
	}
	done(w, r, "/creator", msg)
}

func (s *Server) creatorRemoveShowcase(w http.ResponseWriter, r *http.Request) {
	pid, err := httpx.PathID(r, "pid")
	if err == nil {
		err = s.Creators.RemoveFromShowcase(r.Context(), auth.From(r.Context()), pid)
	}
	s.creatorAct(w, r, err, "Removed from your showcase.")
}

// creatorMoveShowcase moves a showcase product one place up or down.
func (s *Server) creatorMoveShowcase(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	pid, err := httpx.PathID(r, "pid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Creators.ByAccount(ctx, actor.AccountID)
	if err != nil {
		s.creatorAct(w, r, err, "")
		return
	}
	items, err := s.Creators.Showcase(ctx, c.ID)
	if err != nil {
		s.creatorAct(w, r, err, "")
		return
	}
	ids := make([]id.ID, len(items))
	at := -1
	for i, it := range items {
		ids[i] = it.ID
		if it.ID == pid {
			at = i
		}
	}
	to := at - 1
	if r.PostFormValue("dir") == "down" {
		to = at + 1
	}
	if at >= 0 && to >= 0 && to < len(ids) {
		ids[at], ids[to] = ids[to], ids[at]
	}
	s.creatorAct(w, r, s.Creators.ReorderShowcase(ctx, actor, ids), "Showcase reordered.")
}

func (s *Server) creatorApply(w http.ResponseWriter, r *http.Request) {
	pid, err := id.Parse(r.PostFormValue("product_id"))
	if err != nil {
		s.creatorAct(w, r, errs.Invalidf("product_id", "choose a product"), "")
		return
	}
	s.creatorAct(w, r, s.Creators.Apply(r.Context(), auth.From(r.Context()), pid), "Application sent to the seller.")
}

func (s *Server) creatorRespond(w http.ResponseWriter, r *http.Request) {
	planID, err := httpx.PathID(r, "plan")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("answer") == "showcase" {
		s.creatorAct(w, r, s.addPlanProducts(r, planID), "The plan's products are in your showcase.")
		return
	}
	accept := r.PostFormValue("answer") == "accept"
	msg := "Invitation declined."
	if accept {
		msg = "Invitation accepted: add its products to your showcase."
	}
	s.creatorAct(w, r, s.Creators.RespondToInvitation(r.Context(), auth.From(r.Context()), planID, accept), msg)
}

func (s *Server) creatorRequestSample(w http.ResponseWriter, r *http.Request) {
	pid, err := id.Parse(r.PostFormValue("product_id"))
	if err != nil {
		s.creatorAct(w, r, errs.Invalidf("product_id", "choose a product"), "")
		return
	}
	_, err = s.Creators.RequestSample(r.Context(), auth.From(r.Context()), creator.SampleInput{ProductID: pid, Note: r.PostFormValue("note")})
	s.creatorAct(w, r, err, "Sample requested.")
}

func (s *Server) creatorSampleAddress(w http.ResponseWriter, r *http.Request) {
	f := func(k string) string { return r.PostFormValue(k) }
	_, err := s.Creators.SetSampleAddress(r.Context(), auth.From(r.Context()), order.Address{Name: f("name"), Line1: f("line1"), Line2: f("line2"),
		City: f("city"), Region: f("region"), PostalCode: f("postal_code"), Phone: f("phone")})
	s.creatorAct(w, r, err, "Sample address saved.")
}

func (s *Server) creatorSampleAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sid, err := httpx.PathID(r, "sid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("action") == "fulfil" {
		_, err = s.Creators.FulfilSample(ctx, auth.From(ctx), sid, r.PostFormValue("content_ref"))
	} else {
		err = errs.Invalidf("action", "fulfil")
	}
	s.creatorAct(w, r, err, "Sample updated.")
}

// affiliateCookie names the cookie holding the shopper's last touch for a product.
func affiliateCookie(productID id.ID) string { return "ls_aff_" + productID.String() }

// affiliateClick follows a creator's signed link: it records the click, keeps the
// touch for the product (the newest click replaces older ones: last touch) and
// opens the product. A forged link gets an error page and no cookie.
func (s *Server) affiliateClick(w http.ResponseWriter, r *http.Request) {
	t, err := s.Creators.Click(r.Context(), r.PathValue("token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: affiliateCookie(t.ProductID), Value: t.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: 90 * 24 * 3600}) // the market's window is checked at checkout
	http.Redirect(w, r, "/products/"+t.ProductID.String(), http.StatusSeeOther)
}

func (s *Server) opsAffiliate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shops, err := s.Creators.OverdueShops(ctx, auth.From(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	suspended, err := s.Creators.Suspended(ctx, auth.From(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "affiliate_ops", "Affiliates", "ops", struct {
		Overdue   []creator.OverdueShop
		Suspended []creator.Creator
	}{shops, suspended})
}

func (s *Server) opsCommissionsPaid(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.Creators.MarkShopCommissionsPaid(r.Context(), auth.From(r.Context()), shopID)
	if err != nil {
		s.back(w, r, "/ops/affiliate", err)
		return
	}
	done(w, r, "/ops/affiliate", strconv.FormatInt(n, 10)+" commissions recorded as paid.")
}

// addPlanProducts adds every live product of an accepted plan to the showcase.
func (s *Server) addPlanProducts(r *http.Request, planID id.ID) error {
	ctx := r.Context()
	actor := auth.From(ctx)
	invs, err := s.Creators.Invitations(ctx, actor)
	if err != nil {
		return err
	}
	for _, p := range invs {
		if p.ID != planID {
			continue
		}
		for _, pid := range p.Products {
			if err := s.Creators.AddToShowcase(ctx, actor, pid); err != nil && !errors.Is(err, catalog.ErrNotForSale) {
				return err
			}
		}
		return nil
	}
	return creator.ErrPlanNotFound
}

func (s *Server) opsSuspend(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.Creators.ByHandle(ctx, strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("handle")), "@"))
	if err != nil {
		s.back(w, r, "/ops/affiliate", errs.OnField(err, "handle"))
		return
	}
	var until time.Time
	if v := r.PostFormValue("until"); v != "" {
		if until, err = time.Parse(time.DateOnly, v); err != nil {
			s.back(w, r, "/ops/affiliate", errs.Invalidf("until", "pick a day, or leave empty: until lifted"))
			return
		}
	}
	if err := s.Creators.SuspendSelling(ctx, auth.From(ctx), c.ID, r.PostFormValue("reason"), until); err != nil {
		s.back(w, r, "/ops/affiliate", err)
		return
	}
	done(w, r, "/ops/affiliate", "@"+c.Handle+" may not sell until the suspension ends.")
}

func (s *Server) opsLiftSuspension(w http.ResponseWriter, r *http.Request) {
	cid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.Creators.LiftSuspension(r.Context(), auth.From(r.Context()), cid)
	}
	if err != nil {
		s.back(w, r, "/ops/affiliate", err)
		return
	}
	done(w, r, "/ops/affiliate", "Selling rights restored.")
}
