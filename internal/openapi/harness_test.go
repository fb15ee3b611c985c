package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// env is a whole liveshop node serving on a loopback port, with the Partner API.
type env struct {
	*app.App
	t   testing.TB
	URL string
	ctx context.Context
}

// each runs fn against a node on SQLite and, when LIVESHOP_TEST_POSTGRES is set, on
// PostgreSQL. configure may adjust the API's settings before the node starts serving.
func each(t *testing.T, configure func(*openapi.Service), fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, start(t, false, configure)) })
	t.Run("postgres", func(t *testing.T) { fn(t, start(t, true, configure)) })
}

func start(t testing.TB, pg bool, configure func(*openapi.Service)) *env {
	t.Helper()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TimerInterval: time.Hour, ShutdownTimeout: 5 * time.Second}
	if pg {
		cfg.DB = dbtest.PostgresURL(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	a.OpenAPI.WebhookPoll = 20 * time.Millisecond
	if configure != nil {
		configure(a.OpenAPI)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &env{App: a, t: t, URL: "http://" + ln.Addr().String(), ctx: context.Background()}
}

var seq atomic.Int64

// sellerWorld is a seller with a US shop selling one product with two SKUs.
type sellerWorld struct {
	actor   auth.Actor
	shop    seller.Shop
	product catalog.Product
}

func (e *env) seller(name string) sellerWorld {
	e.t.Helper()
	n := seq.Add(1)
	acct, err := e.Identity.Provision(e.ctx, fmt.Sprintf("%s%d@seller.test", name, n), name, "", auth.Seller)
	if err != nil {
		e.t.Fatal(err)
	}
	w := sellerWorld{actor: acct.Actor()}
	if w.shop, err = e.Sellers.Register(e.ctx, w.actor, seller.RegisterInput{Market: "US", Name: fmt.Sprintf("%s shop %d", name, n)}); err != nil {
		e.t.Fatal(err)
	}
	w.product, err = e.Catalog.CreateProduct(e.ctx, w.actor, w.shop.ID, catalog.ProductInput{Title: name + " lip tint", SKUs: []catalog.SKUInput{
		{SellerSKU: "TINT-RED", Name: "Red", Price: money.New(1299, "USD"), Stock: 100},
		{SellerSKU: "TINT-NUDE", Name: "Nude", Price: money.New(1499, "USD"), Stock: 50}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

var address = order.Address{Name: "Bea Buyer", Line1: "1 Main St", City: "Austin", PostalCode: "73301", Country: "US", Phone: "555-0100"}

// buy checks out qty of a SKU for a fresh buyer and returns the paid order.
func (e *env) buy(sku id.ID, qty int64) order.Order {
	e.t.Helper()
	n := seq.Add(1)
	acct, err := e.Identity.Provision(e.ctx, fmt.Sprintf("buyer%d@buyer.test", n), "Bea Buyer", "")
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.Orders.Checkout(e.ctx, acct.Actor(), order.CheckoutInput{IdempotencyKey: fmt.Sprint("k", n), Market: "US",
		Lines: []order.LineInput{{SKUID: sku, Quantity: qty}}, ShippingAddress: address, PaymentMethod: "pm_card_visa"})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Orders[0]
}

// developer registers an app for a fresh developer account.
func (e *env) developer(scopes ...string) (openapi.App, string) {
	e.t.Helper()
	n := seq.Add(1)
	acct, err := e.Identity.Provision(e.ctx, fmt.Sprintf("dev%d@dev.test", n), "Dev", "")
	if err != nil {
		e.t.Fatal(err)
	}
	if len(scopes) == 0 {
		scopes = openapi.ScopeNames()
	}
	a, secret, err := e.OpenAPI.RegisterApp(e.ctx, acct.Actor(), openapi.AppInput{Name: fmt.Sprintf("ERP %d", n),
		RedirectURLs: []string{"https://erp.example.com/callback"}, Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return a, secret
}

// authorize has the seller approve the app for the shops and returns the code.
func (e *env) authorize(a openapi.App, s auth.Actor, shops ...id.ID) string {
	e.t.Helper()
	to, err := e.OpenAPI.Approve(e.ctx, s, a.Key, "", "xyz", shops)
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(to)
	if u.Query().Get("state") != "xyz" || u.Query().Get("app_key") != a.Key {
		e.t.Fatalf("redirect %s", to)
	}
	return u.Query().Get("code")
}

type tokens struct {
	AccessToken          string   `json:"access_token"`
	AccessTokenExpireIn  int64    `json:"access_token_expire_in"`
	RefreshToken         string   `json:"refresh_token"`
	RefreshTokenExpireIn int64    `json:"refresh_token_expire_in"`
	OpenID               string   `json:"open_id"`
	SellerName           string   `json:"seller_name"`
	SellerBaseRegion     string   `json:"seller_base_region"`
	GrantedScopes        []string `json:"granted_scopes"`
}

// client authorizes the app for the seller's shops and returns a signed client with
// an access token, as an integrator would have after the OAuth flow.
func (e *env) client(a openapi.App, secret string, s auth.Actor, shops ...id.ID) (*openapi.Client, tokens) {
	e.t.Helper()
	c := &openapi.Client{BaseURL: e.URL, AppKey: a.Key, AppSecret: secret}
	resp, err := c.Token(e.ctx, "authorized_code", e.authorize(a, s, shops...))
	if err != nil || resp.Code != 0 {
		e.t.Fatalf("token: %+v %v", resp, err)
	}
	var tk tokens
	if err := json.Unmarshal(resp.Data, &tk); err != nil {
		e.t.Fatal(err)
	}
	c.AccessToken = tk.AccessToken
	return c, tk
}

// call sends a signed call and fails the test on a transport error.
func call(t *testing.T, c *openapi.Client, method, path string, q url.Values, body any) openapi.Response {
	t.Helper()
	r, err := c.Do(context.Background(), method, path, q, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ok sends a call and fails the test unless it succeeds; it decodes data into out.
func ok(t *testing.T, c *openapi.Client, method, path string, q url.Values, body, out any) {
	t.Helper()
	r := call(t, c, method, path, q, body)
	if r.Status != 200 || r.Code != 0 {
		t.Fatalf("%s %s: HTTP %d code %d %s", method, path, r.Status, r.Code, r.Message)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, r.Data)
		}
	}
}

func refused(t *testing.T, r openapi.Response, status, code int) {
	t.Helper()
	if r.Status != status || r.Code != code {
		t.Fatalf("got HTTP %d code %d (%s), want HTTP %d code %d", r.Status, r.Code, r.Message, status, code)
	}
	if string(r.Data) != "null" {
		t.Fatalf("a refusal carries no data, got %s", r.Data)
	}
}

func cipherQuery(cipher string) url.Values { return url.Values{"shop_cipher": {cipher}} }

func decodeJSON(resp *http.Response, out any) error {
	return json.NewDecoder(resp.Body).Decode(out)
}

func ioNop(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// devOf returns the developer who owns an app.
func devOf(t *testing.T, e *env, appID id.ID) auth.Actor {
	t.Helper()
	var owner id.ID
	if err := e.DB.QueryRowContext(e.ctx, `SELECT owner_id FROM openapi_apps WHERE id = $1`, appID).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	acct, err := e.Identity.Account(e.ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	return acct.Actor()
}

// release ends an order's on-hold window now, so it awaits shipment.
func (e *env) release(o order.Order) order.Order {
	e.t.Helper()
	if _, err := e.DB.ExecContext(e.ctx, `UPDATE orders SET hold_until = 1 WHERE id = $1 AND status = 'ON_HOLD'`, o.ID); err != nil {
		e.t.Fatal(err)
	}
	if err := e.Orders.Sweep(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	buyer, err := e.Identity.Account(e.ctx, o.BuyerID)
	if err != nil {
		e.t.Fatal(err)
	}
	got, err := e.Orders.Get(e.ctx, buyer.Actor(), o.ID)
	if err != nil || got.Status != order.AwaitingShipment {
		e.t.Fatalf("released order %s %v", got.Status, err)
	}
	return got
}
