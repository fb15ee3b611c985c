// Package web serves liveshop's pages: the storefront (home, live rooms, products,
// orders), Seller Center, Creator Center and the Ops console. Pages are rendered on
// the server with html/template; the few scripts (the live room's socket, chiefly)
// are plain files embedded in the binary, so there is no build step.
//
// Every page is a file here named after it, with its handlers; forms post to the page
// and redirect back with a flash message (post/redirect/get), and every form carries
// the session's CSRF token.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the services pages use.
type Deps struct {
	Log      *slog.Logger
	Markets  *market.Service
	Identity *identity.Service
	Sellers  *seller.Service
	Catalog  *catalog.Service
	Promos   *promo.Service
	Orders   *order.Service
	Creators *creator.Service
	Content  *content.Service
	Hub      *live.Hub
	// FlashSales runs the rooms' flash sales.
	FlashSales *live.FlashSales
	Ledger     *ledger.Service
	Analytics  *analytics.Service
	FX         *market.FX
	Outbox     *outbox.Outbox
	OpenAPI    *openapi.Service
	Payments   *payment.Service
	// VendorDir holds fetched third-party browser files (hls.js), served at /vendor/.
	VendorDir string
}

// Server renders pages.
type Server struct {
	Deps
	pages map[string]*template.Template
}

// New parses the templates; a template error is a bug caught at start-up.
func New(d Deps) *Server {
	s := &Server{Deps: d, pages: map[string]*template.Template{}}
	// The layout and the partials every page may use (files named _*.html).
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html"))
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimPrefix(e, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		s.pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, e))
	}
	return s
}

// Routes registers every page on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))

	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("/", s.notFound) // anything unmatched gets a page, not a bare 404
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /signup", s.signupPage)
	mux.HandleFunc("POST /signup", s.signup)

	mux.HandleFunc("GET /live/{id}", s.liveRoom)
	mux.HandleFunc("GET /products/{id}", s.productPage)
	mux.HandleFunc("POST /products/{id}/buy", s.buyProduct)
	mux.HandleFunc("GET /creators/{handle}", s.creatorProfile)
	mux.HandleFunc("POST /creators/{id}/follow", s.followCreator)

	mux.HandleFunc("GET /orders", s.myOrders)
	mux.HandleFunc("GET /orders/{id}", s.orderPage)
	mux.HandleFunc("POST /orders/{id}/confirm", s.confirmReceipt)
	mux.HandleFunc("POST /orders/{id}/cancel", s.cancelOrder)

	mux.HandleFunc("GET /seller", s.sellerCenter)
	mux.HandleFunc("POST /seller/shops", s.registerShop)
	mux.HandleFunc("GET /seller/shops/{id}", s.shopPage)
	mux.HandleFunc("POST /seller/shops/{id}/products", s.addProduct)
	mux.HandleFunc("POST /seller/products/{id}/offer", s.setOffer)
	mux.HandleFunc("POST /seller/skus/{id}/stock", s.setStock)
	mux.HandleFunc("POST /seller/orders/{id}/ship", s.shipOrder)

	mux.HandleFunc("GET /creator", s.creatorCenter)
	mux.HandleFunc("POST /creator/profile", s.createProfile)
	mux.HandleFunc("POST /creator/showcase", s.addShowcase)
	mux.HandleFunc("POST /creator/lives", s.scheduleLive)
	mux.HandleFunc("POST /creator/lives/{id}/start", s.startLive)
	mux.HandleFunc("POST /creator/lives/{id}/pin", s.pinProduct)
	mux.HandleFunc("POST /creator/lives/{id}/flash-sales", s.startFlashSale)
	mux.HandleFunc("POST /creator/lives/{id}/flash-sales/{sale}/end", s.endFlashSale)
	mux.HandleFunc("POST /creator/lives/{id}/end", s.endLive)

	mux.HandleFunc("GET /ops", s.opsHome)
	mux.HandleFunc("GET /ops/markets/{code}", s.opsMarket)
	mux.HandleFunc("POST /ops/markets/{code}/policy", s.opsSetPolicy)
	mux.HandleFunc("POST /ops/markets/{code}/launch", s.opsSetLaunch)
	mux.HandleFunc("GET /vendor/hls.min.js", s.vendorFile)
	mux.HandleFunc("GET /ops/ledger", s.opsLedger)
	mux.HandleFunc("GET /ops/events", s.opsEvents)
	mux.HandleFunc("POST /ops/events/{id}/redeliver", s.opsRedeliver)

	mux.HandleFunc("GET /ops/analytics", s.opsAnalytics)
	mux.HandleFunc("GET /ops/analytics/markets/{code}", s.opsAnalyticsMarket)
	mux.HandleFunc("GET /ops/analytics/leaderboards", s.opsLeaderboard)
	mux.HandleFunc("POST /ops/analytics/rebuild", s.opsRebuild)
	mux.HandleFunc("GET /ops/kpi", s.opsKPI)
	mux.HandleFunc("POST /ops/kpi/targets", s.opsSetTarget)
	mux.HandleFunc("GET /ops/kpi/targets/{id}", s.opsTarget)
	mux.HandleFunc("POST /ops/kpi/targets/{id}/delete", s.opsDeleteTarget)
	mux.HandleFunc("POST /ops/kpi/fx", s.opsSetRate)
	mux.HandleFunc("GET /analytics/sessions/{id}", s.sessionAnalytics)
	mux.HandleFunc("GET /seller/shops/{id}/analytics", s.shopAnalytics)
	mux.HandleFunc("POST /seller/shops/{id}/analytics/opt-in", s.shopOptIn)
	mux.HandleFunc("POST /seller/shops/{id}/analytics/targets", s.shopSetTarget)
	mux.HandleFunc("POST /seller/shops/{id}/analytics/targets/{tid}/delete", s.shopDeleteTarget)
	mux.HandleFunc("GET /creator/analytics", s.creatorAnalytics)

	mux.HandleFunc("GET /developer", s.devConsole)
	mux.HandleFunc("POST /developer/apps", s.devRegisterApp)
	mux.HandleFunc("GET /developer/apps/{id}", s.devApp)
	mux.HandleFunc("POST /developer/apps/{id}", s.devUpdateApp)
	mux.HandleFunc("POST /developer/apps/{id}/secret", s.devRotateSecret)
	mux.HandleFunc("POST /developer/apps/{id}/deliveries/{delivery}/redeliver", s.devRedeliver)
	mux.HandleFunc("GET /open/authorize", s.consentPage)
	mux.HandleFunc("POST /open/authorize", s.consentAnswer)
	mux.HandleFunc("GET /seller/apps", s.sellerApps)
	mux.HandleFunc("POST /seller/apps/{id}/deauthorize", s.sellerDeauthorize)
	s.commerceRoutes(mux)
	s.financeRoutes(mux)
	s.sellerCenterRoutes(mux)
	s.affiliateRoutes(mux)
	s.videoRoutes(mux)
	mux.HandleFunc("GET /notifications", s.notificationsPage)
	mux.HandleFunc("POST /live/{id}/remind", s.remindLive)
	mux.HandleFunc("POST /live/{id}/remind/cancel", s.cancelReminder)
	mux.HandleFunc("POST /live/{id}/moderators", s.addModerator)
	mux.HandleFunc("POST /live/{id}/moderators/{account}/remove", s.removeModerator)
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}

// page is what every template receives.
type page struct {
	Title   string
	Nav     string
	Actor   auth.Actor
	Flash   *flash
	Market  string
	Markets []market.Market
	Unread  int // the actor's unread notifications, for the header
	Data    any
}

// render writes a page with the layout. Rendering goes to a buffer first, so a
// template error becomes a clean error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name, title, nav string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("web: no template %q", name))
		return
	}
	ms, _ := s.Markets.Markets(r.Context())
	p := page{Title: title, Nav: nav, Actor: auth.From(r.Context()), Flash: takeFlash(w, r), Market: s.market(r), Markets: ms, Data: data}
	p.Unread, _ = s.Identity.Unread(r.Context(), p.Actor)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

var errNoPage = errs.New(errs.NotFound, "not_found", "There is no page here. It may have moved, or the link may be mistyped.")

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) { s.fail(w, r, errNoPage) }

// fail answers a page request that went wrong with a page saying what to do next.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	pub := httpx.Public(err)
	status := httpx.Status(pub.Kind)
	if pub.Kind == errs.Unauthenticated {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if status >= 500 {
		httpx.Logger(r.Context()).Error("page failed", "path", r.URL.Path, "err", err)
	}
	w.WriteHeader(status)
	t := s.pages["error"]
	p := page{Title: "Something went wrong", Actor: auth.From(r.Context()), Market: s.market(r),
		Data: map[string]any{"Status": status, "Message": pub.Message, "RequestID": httpx.RequestID(r.Context())}}
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		s.Log.Error("render error page", "err", err)
	}
}

// market is the storefront market the visitor chose (?market=, then a cookie), US by default.
func (s *Server) market(r *http.Request) string {
	if m := r.URL.Query().Get("market"); m != "" {
		if _, err := s.Markets.Market(r.Context(), m); err == nil {
			return m
		}
	}
	if c, err := r.Cookie("liveshop_market"); err == nil {
		if _, err := s.Markets.Market(r.Context(), c.Value); err == nil {
			return c.Value
		}
	}
	return "US"
}

// flash is a one-time message shown on the next page.
type flash struct {
	Kind    string // "ok" or "error"
	Message string
}

const flashCookie = "liveshop_flash"

func setFlash(w http.ResponseWriter, kind, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(kind + "|" + msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1})
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(v, "|")
	if !ok {
		return nil
	}
	return &flash{Kind: kind, Message: msg}
}

// done redirects after a successful form with a message.
func done(w http.ResponseWriter, r *http.Request, to, msg string) {
	setFlash(w, "ok", msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// back redirects after a refused form with the refusal, naming the field if any.
func (s *Server) back(w http.ResponseWriter, r *http.Request, to string, err error) {
	pub := httpx.Public(err)
	if pub.Kind == errs.Internal {
		httpx.Logger(r.Context()).Error("form failed", "path", r.URL.Path, "err", err)
	}
	if pub.Kind == errs.Unauthenticated {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(to), http.StatusSeeOther)
		return
	}
	msg := pub.Message
	if pub.Field != "" {
		msg = pub.Field + ": " + msg
	}
	setFlash(w, "error", msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

var funcs = template.FuncMap{
	"money":   func(m money.Money) string { return m.Format() },
	"percent": func(bp money.BP) string { return bp.Percent() },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"date":       func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"has":        func(a auth.Actor, role string) bool { return a.Has(auth.Role(role)) },
	"add":        func(a, b int) int { return a + b },
	"chart":      func(days []analytics.Day, title string) template.HTML { return barChart(days, title) },
	"normalised": func(a ledger.Account) money.Money { return a.Normalised() },
	"amount":     func(v int64, cur string) string { return money.New(v, cur).Format() },
	"mul100":     func(f float64) float64 { return f * 100 },
	"bp":         func(v int64) money.BP { return money.BP(v) },
	// initial is a product's placeholder picture until products carry images.
	"initial": func(title string) string {
		for _, r := range title {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
}

// barChart draws daily GMV as an SVG bar chart, server-side, so dashboards need no
// script. Each bar has a title the browser shows on hover.
func barChart(days []analytics.Day, title string) template.HTML {
	const w, h, pad = 640.0, 180.0, 24.0
	var peak int64
	for _, d := range days {
		peak = max(peak, d.GMV.Amount)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h+pad, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(title))
	if len(days) == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	bw := w / float64(len(days))
	for i, d := range days {
		bh := 0.0
		if peak > 0 {
			bh = float64(d.GMV.Amount) / float64(peak) * (h - 8)
		}
		if d.GMV.Amount > 0 && bh < 2 {
			bh = 2
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2"><title>%s: %s, %d orders</title></rect>`,
			float64(i)*bw+1, h-bh, max(bw-2, 1), bh, d.Day, template.HTMLEscapeString(d.GMV.Format()), d.Orders)
	}
	fmt.Fprintf(&b, `<text x="0" y="%.0f">%s</text><text x="%.0f" y="%.0f" text-anchor="end">%s</text>`,
		h+pad-6, days[0].Day, w, h+pad-6, days[len(days)-1].Day)
	if peak > 0 {
		fmt.Fprintf(&b, `<text x="2" y="12" class="peak">peak %s</text>`, template.HTMLEscapeString(money.New(peak, days[0].GMV.Currency).Format()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// vendorFile serves a fetched third-party browser file, or 404 when the script that
// fetches it has not been run (the page then does without).
func (s *Server) vendorFile(w http.ResponseWriter, r *http.Request) {
	if s.VendorDir == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFile(w, r, filepath.Join(s.VendorDir, filepath.Base(r.URL.Path)))
}
