package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The developer console (apps for the Partner Open API: register, rotate the secret,
// redirect URLs, scopes, webhook URL, authorized shops, request log, webhook
// deliveries with the dead-letter list) and the two Seller Center pages of the
// authorization flow: the consent page an app sends the seller to, and the list of
// authorized apps with deauthorization.

// scopeChoice is a scope with whether the app asks for it.
type scopeChoice struct {
	openapi.Scope
	On bool
}

func scopeChoices(on []string) []scopeChoice {
	out := make([]scopeChoice, len(openapi.Scopes))
	for i, sc := range openapi.Scopes {
		out[i] = scopeChoice{Scope: sc}
		for _, v := range on {
			if v == sc.Name {
				out[i].On = true
			}
		}
	}
	return out
}

// appForm reads the register / settings form.
func appForm(r *http.Request) openapi.AppInput {
	_ = r.ParseForm()
	return openapi.AppInput{
		Name:         r.PostFormValue("name"),
		RedirectURLs: strings.Split(strings.ReplaceAll(r.PostFormValue("redirect_urls"), "\r", ""), "\n"),
		Scopes:       r.PostForm["scopes"],
		WebhookURL:   r.PostFormValue("webhook_url"),
	}
}

// baseURL is how this server is reached from the browser, for the URLs the console
// tells developers to use.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) devConsole(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	apps, err := s.OpenAPI.Apps(ctx, auth.From(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "dev_console", "Developer console", "developer", struct {
		Apps   []openapi.App
		Scopes []scopeChoice
	}{apps, scopeChoices(nil)})
}

func (s *Server) devRegisterApp(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, secret, err := s.OpenAPI.RegisterApp(ctx, auth.From(ctx), appForm(r))
	if err != nil {
		s.back(w, r, "/developer", err)
		return
	}
	// The secret is shown on this response only; it is never stored in a cookie or a URL.
	s.devAppPage(w, r, a.ID, secret, "“"+a.Name+"” is registered. Copy the app secret now: it is shown only this once.")
}

func (s *Server) devApp(w http.ResponseWriter, r *http.Request) {
	appID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.devAppPage(w, r, appID, "", "")
}

// devAppPage renders an app's page; secret is set right after it was issued.
func (s *Server) devAppPage(w http.ResponseWriter, r *http.Request, appID id.ID, secret, notice string) {
	ctx := r.Context()
	actor := auth.From(ctx)
	a, err := s.OpenAPI.App(ctx, actor, appID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shops, err := s.OpenAPI.AuthorizedShops(ctx, actor, a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	log, err := s.OpenAPI.RequestLog(ctx, actor, a.ID, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recent, err := s.OpenAPI.Deliveries(ctx, actor, a.ID, "", 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dead, err := s.OpenAPI.Deliveries(ctx, actor, a.ID, "dead", 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := baseURL(r)
	s.render(w, r, "dev_app", a.Name, "developer", struct {
		App          openapi.App
		Secret       string
		Notice       string
		Scopes       []scopeChoice
		Redirects    string
		Shops        []openapi.AuthorizedShop
		Log          []openapi.LogEntry
		Recent       []openapi.Delivery
		Dead         []openapi.Delivery
		BaseURL      string
		AuthorizeURL string
	}{a, secret, notice, scopeChoices(a.Scopes), strings.Join(a.RedirectURLs, "\n"), shops, log, recent, dead, base,
		base + "/open/authorize?app_key=" + url.QueryEscape(a.Key) + "&state=YOUR_STATE"})
}

func (s *Server) devUpdateApp(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	appID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/developer/apps/" + appID.String()
	if _, err := s.OpenAPI.UpdateApp(ctx, auth.From(ctx), appID, appForm(r)); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Settings saved.")
}

func (s *Server) devRotateSecret(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	appID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, secret, err := s.OpenAPI.RotateSecret(ctx, auth.From(ctx), appID)
	if err != nil {
		s.back(w, r, "/developer/apps/"+appID.String(), err)
		return
	}
	s.devAppPage(w, r, a.ID, secret, "The secret is rotated: calls signed with the old one now fail. Copy the new secret now: it is shown only this once.")
}

func (s *Server) devRedeliver(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	appID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/developer/apps/" + appID.String()
	did, err := httpx.PathID(r, "delivery")
	if err == nil {
		err = s.OpenAPI.Redeliver(ctx, auth.From(ctx), appID, did)
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Delivery "+did.String()+" is queued again.")
}

// consentPage is the seller's side of the authorization-code flow.
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	c, err := s.OpenAPI.ConsentFor(ctx, auth.From(ctx), q.Get("app_key"), q.Get("service_id"), q.Get("redirect_uri"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "dev_authorize", "Authorize "+c.App.Name, "seller", struct {
		Consent openapi.Consent
		State   string
	}{c, q.Get("state")})
}

func (s *Server) consentAnswer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	_ = r.ParseForm()
	appKey, redirect, state := r.PostFormValue("app_key"), r.PostFormValue("redirect_uri"), r.PostFormValue("state")
	back := "/open/authorize?" + url.Values{"app_key": {appKey}, "redirect_uri": {redirect}, "state": {state}}.Encode()
	if r.PostFormValue("decision") != "approve" {
		to, err := s.OpenAPI.DenyURL(ctx, actor, appKey, redirect, state)
		if err != nil {
			s.back(w, r, back, err)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	var shops []id.ID
	for i, v := range r.PostForm["shop_ids"] {
		sid, err := id.Parse(v)
		if err != nil {
			s.back(w, r, back, errs.Invalidf("shop_ids", "shop %d is not a shop id", i+1))
			return
		}
		shops = append(shops, sid)
	}
	to, err := s.OpenAPI.Approve(ctx, actor, appKey, redirect, state, shops)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) sellerApps(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	grants, err := s.OpenAPI.SellerGrants(ctx, auth.From(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "dev_seller_apps", "Authorized apps", "seller", struct {
		Grants []openapi.SellerGrant
	}{grants})
}

func (s *Server) sellerDeauthorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	gid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.OpenAPI.Deauthorize(ctx, auth.From(ctx), gid)
	}
	if err != nil {
		s.back(w, r, "/seller/apps", err)
		return
	}
	done(w, r, "/seller/apps", "The app is deauthorized: its tokens no longer work and it has been told.")
}
