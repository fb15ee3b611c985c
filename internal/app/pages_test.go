package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/demo"
	"github.com/liveshop/liveshop/internal/market"
)

// browserish is an HTTP client with a cookie jar that does not follow redirects, so
// tests see where a form sends the browser.
type browserish struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newBrowserish(t *testing.T, base string) *browserish {
	jar, _ := cookiejar.New(nil)
	return &browserish{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// get fetches a page, remembering the session's CSRF token from it.
func (b *browserish) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfMeta.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

// post submits a form with the CSRF token and returns the status and redirect target.
func (b *browserish) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf)
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func (b *browserish) login(email string) {
	b.t.Helper()
	if code, to := b.post("/login", url.Values{"email": {email}, "password": {demo.Password}, "next": {"/"}}); code != 303 || to != "/" {
		b.t.Fatalf("login %s: %d -> %s", email, code, to)
	}
	b.get("/")
}

// flash follows a redirect and returns the page's flash message.
func (b *browserish) flash(to string) string {
	b.t.Helper()
	_, body := b.get(to)
	m := regexp.MustCompile(`class="flash (ok|error)"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1] + ": " + m[2]
}

// Every page renders for the people it is for, and the main forms work, on the seeded
// demo marketplace (which also proves the demo seeds, and only once).
func TestPagesOnTheDemoMarketplace(t *testing.T) {
	s := start(t, false)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s.App, io.Discard); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, s)
	if _, err := demo.Seed(ctx, s.App, io.Discard); err != nil { // a restart
		t.Fatal(err)
	}
	if after := tableCounts(t, s); after["accounts"] != before["accounts"] || after["products"] != before["products"] {
		t.Fatalf("seeding twice added data: %v -> %v", before, after)
	}
	lives, _ := s.Content.List(ctx, content.Listing{Status: content.Live, Market: "US"})
	if len(lives) == 0 {
		t.Fatal("no US live on air after seeding")
	}
	room := "/live/" + lives[0].ID.String()

	anon := newBrowserish(t, s.URL)
	for _, p := range []struct{ path, want string }{
		{"/", "Live now in United States"}, {room, "Glow-up Friday"}, {"/creators/mia.makeup", "Showcase"},
		{"/login", "Log in"}, {"/signup", "Create your account"},
		{"/?market=ID", "Live now in Indonesia"}, {"/", "Live now in Indonesia"}, // the choice of market is remembered
	} {
		if code, body := anon.get(p.path); code != 200 || !strings.Contains(body, p.want) {
			t.Errorf("anonymous %s: %d, want a page with %q", p.path, code, p.want)
		}
	}
	for _, path := range []string{"/seller", "/creator", "/orders", "/ops", "/cart"} {
		if code, _ := anon.get(path); code != 303 {
			t.Errorf("anonymous %s: %d, want a redirect to log in", path, code)
		}
	}
	if code, body := anon.get("/no/such/page"); code != 404 || !strings.Contains(body, "no page here") {
		t.Errorf("unknown page: %d", code)
	}

	// A shopper cannot reach the Ops console.
	shopper := newBrowserish(t, s.URL)
	shopper.login("shopper@liveshop.demo")
	if code, _ := shopper.get("/ops"); code != 403 {
		t.Errorf("shopper on /ops: %d", code)
	}
	if code, body := shopper.get("/orders"); code != 200 || !strings.Contains(body, "My orders") {
		t.Errorf("shopper orders: %d", code)
	}
	if code, body := shopper.get("/cart?market=US"); code != 200 || !strings.Contains(body, "Cart") {
		t.Errorf("shopper cart: %d", code)
	}
	_, to := shopper.post("/cart/items", url.Values{"sku_id": {"1"}, "quantity": {"1"}})
	if f := shopper.flash(to); !strings.Contains(f, "error: sku_id") {
		t.Errorf("an unknown SKU into the cart: %q", f)
	}

	// The seller lists a product and offers creators commission on it, through the forms.
	sel := newBrowserish(t, s.URL)
	sel.login("seller@liveshop.demo")
	_, body := sel.get("/seller")
	shopPath := regexp.MustCompile(`/seller/shops/\d+`).FindString(body)
	if code, body := sel.get(shopPath); code != 200 || !strings.Contains(body, "Glow Lab") || !strings.Contains(body, `id="payable"`) {
		t.Fatalf("shop page: %d", code)
	}
	code, to := sel.post(shopPath+"/products", url.Values{"title": {"Rose Lip Oil"}, "price": {"14.50"}, "stock": {"40"}})
	if code != 303 || !strings.Contains(sel.flash(to), "ok: “Rose Lip Oil” is live") {
		t.Fatalf("list a product: %d %s", code, to)
	}
	_, to = sel.post(shopPath+"/products", url.Values{"title": {"Bad price"}, "price": {"14.505"}, "stock": {"1"}})
	if f := sel.flash(to); !strings.Contains(f, "error: price") {
		t.Fatalf("a price with three decimals: %q", f)
	}
	_, body = sel.get(shopPath)
	pid := regexp.MustCompile(`/products/(\d+)">Rose Lip Oil`).FindStringSubmatch(body)
	if pid == nil {
		t.Fatal("new product not listed on the shop page")
	}
	_, to = sel.post("/seller/products/"+pid[1]+"/offer", url.Values{"commission": {"12.5"}})
	if f := sel.flash(to); !strings.Contains(f, "ok: Creators earn 12.5%") {
		t.Fatalf("offer: %q", f)
	}
	if code, _ := sel.get("/ops"); code != 403 {
		t.Errorf("seller on /ops: %d", code)
	}
	// Seller Center's order-side sections render, and their forms refuse bad input by field.
	for path, want := range map[string]string{"/orders?status=ALL": `id="seller-orders"`, "/returns": "Returns", "/reviews": "Reviews",
		"/promotions": `id="promotion-form"`, "/shipping": "Co-funded free shipping"} {
		if code, body := sel.get(shopPath + path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("seller %s: %d, want %q", path, code, want)
		}
	}
	_, to = sel.post(shopPath+"/promotions", url.Values{"kind": {"percent_off"}, "title": {"Half off"}, "product_id": {pid[1]}, "discount": {"half"}})
	if f := sel.flash(to); !strings.Contains(f, "error: discount") {
		t.Errorf("a percentage in words: %q", f)
	}
	_, to = sel.post(shopPath+"/promotions", url.Values{"kind": {"percent_off"}, "title": {"Launch week"}, "product_id": {pid[1]}, "discount": {"15"}})
	if f := sel.flash(to); !strings.Contains(f, "ok: “Launch week” runs until") {
		t.Errorf("create a promotion: %q", f)
	}
	_, to = sel.post(shopPath+"/coupons", url.Values{"code": {"ROSE3"}, "coupon_kind": {"amount"}, "coupon_value": {"3.00"}})
	if f := sel.flash(to); !strings.Contains(f, "ok: Coupon ROSE3 is live") {
		t.Errorf("create a coupon: %q", f)
	}
	_, to = sel.post(shopPath+"/ship", url.Values{})
	if f := sel.flash(to); !strings.Contains(f, "error: order") {
		t.Errorf("shipping nothing: %q", f)
	}

	// The creator adds it to the showcase and pins it in her room.
	cr := newBrowserish(t, s.URL)
	cr.login("creator@liveshop.demo")
	if code, body := cr.get("/creator"); code != 200 || !strings.Contains(body, "Rose Lip Oil") {
		t.Fatalf("creator center lacks the new offer: %d", code)
	}
	_, to = cr.post("/creator/showcase", url.Values{"product_id": {pid[1]}})
	if f := cr.flash(to); !strings.Contains(f, "ok: Added") {
		t.Fatalf("add to showcase: %q", f)
	}
	// A creator below the threshold is told why.
	newbie := newBrowserish(t, s.URL)
	newbie.login("newbie@liveshop.demo")
	if _, body := newbie.get("/creator"); !strings.Contains(body, "needs at least 1000 followers; you have 120") {
		t.Error("newbie's Creator Center does not say why she cannot sell")
	}

	// The operator reads the console and schedules a policy change through the form.
	ops := newBrowserish(t, s.URL)
	ops.login("ops@liveshop.demo")
	for path, want := range map[string]string{"/ops": "GMV in United States", "/ops/markets/US": "Policy in force",
		"/ops/ledger": "Books balance", "/ops/events": "Events", "/ops/disputes": "Disputes", "/ops/reviews": "Review moderation"} {
		if code, body := ops.get(path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("operator %s: %d, want %q", path, code, want)
		}
	}
	p, _ := s.Markets.Policy(ctx, "US", time.Now())
	p.Creators.MinFollowers = 500
	doc, _ := jsonIndent(p)
	at := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
	_, to = ops.post("/ops/markets/US/policy", url.Values{"document": {doc}, "effective_from": {at}, "note": {"lower threshold"}})
	if f := ops.flash(to); !strings.HasPrefix(f, "ok: New policy for US") {
		t.Fatalf("policy change: %q", f)
	}
	if later, _ := s.Markets.Policy(ctx, "US", time.Now().Add(2*time.Hour)); later.Creators.MinFollowers != 500 {
		t.Fatalf("scheduled policy not stored: %d", later.Creators.MinFollowers)
	}
	_, to = ops.post("/ops/markets/US/policy", url.Values{"document": {`{"fees": {"referral_fee_bp": "six"}}`}, "note": {"x"}})
	if f := ops.flash(to); !strings.HasPrefix(f, "error: document") {
		t.Fatalf("broken policy document: %q", f)
	}
	_, to = ops.post("/ops/markets/JP/launch", url.Values{"launch_state": {"registration"}, "launch_date": {"2026-12-01"}})
	if f := ops.flash(to); !strings.Contains(f, "ok: Japan is now registration") {
		t.Fatalf("launch state: %q", f)
	}
	if m, _ := s.Markets.Market(ctx, "JP"); m.LaunchState != market.Registration {
		t.Fatalf("JP is %s", m.LaunchState)
	}

	// A form without the session's CSRF token is refused.
	ops.csrf = "forged"
	if code, _ := ops.post("/ops/markets/JP/launch", url.Values{"launch_state": {"live"}, "launch_date": {"2026-12-01"}}); code != 403 {
		t.Fatalf("forged CSRF token: %d", code)
	}
}

func jsonIndent(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b), err
}
