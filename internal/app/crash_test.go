package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// crashChildEnv tells the test binary it is the crash test's server: "dataDir|addrFile".
const crashChildEnv = "LIVESHOP_CRASH_CHILD"

// TestFlashCrashChild is the server the crash test kills: it serves the data directory
// it is given until it is killed. It does nothing in a normal test run.
func TestFlashCrashChild(t *testing.T) {
	arg := os.Getenv(crashChildEnv)
	if arg == "" {
		t.Skip("runs only as TestFlashSaleSurvivesKill9's child process")
	}
	dir, addrFile, _ := strings.Cut(arg, "|")
	a, err := app.New(context.Background(), app.Config{DataDir: dir, TimerInterval: time.Hour, ShutdownTimeout: time.Second}, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(addrFile, []byte(ln.Addr().String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = a.Serve(context.Background(), ln) // until SIGKILL
}

// kill -9 in the middle of a flash sale: every order a buyer was told is confirmed is
// in the database after the restart, nothing is oversold, and the restarted node's
// sale carries on from what was committed.
func TestFlashSaleSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	dir := t.TempDir()
	const units, buyers = 400, 1200
	w := seedFlashWorld(t, dir, units, buyers)

	// First life: buyers press Buy; the node is killed while they do.
	client := &http.Client{Timeout: 10 * time.Second}
	confirmed := killMidBurst(t, startChild(t, dir), buyers, units/4, func(url string, i int) (string, bool) { return flashBuy(client, url, w, i) })
	before := len(confirmed)
	if before == 0 || before >= units {
		t.Fatalf("%d orders confirmed before the kill; the test wants the kill mid-sale", before)
	}

	// Second life: the same data directory.
	base := startChild(t, dir)
	defer func() { _ = base.cmd.Process.Signal(syscall.SIGKILL); _ = base.cmd.Wait() }()
	more := 0
	for i := buyers; i < buyers+units; i++ { // fresh buyers: the sale sells what is left
		if oid, ok := flashBuy(client, base.url, w, i); ok {
			confirmed[oid] = true
			more++
		}
	}
	_ = base.cmd.Process.Signal(syscall.SIGKILL)
	_ = base.cmd.Wait()

	a, err := app.New(context.Background(), app.Config{DataDir: dir, TimerInterval: time.Hour}, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	for oid := range confirmed {
		var n int
		if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE id = $1`, oid).Scan(&n); err != nil || n != 1 {
			t.Fatalf("confirmed order %s is gone after kill -9 (%v)", oid, err)
		}
	}
	var sold, onOrders, stock int64
	if err := a.DB.QueryRowContext(ctx, `SELECT sold FROM promotion_items WHERE promotion_id = $1`, w.sale).Scan(&sold); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE l.deal_promotion_id = $1 AND o.status <> 'CANCELLED'`, w.sale).Scan(&onOrders); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT stock FROM skus WHERE id = $1`, w.sku).Scan(&stock); err != nil {
		t.Fatal(err)
	}
	if sold > units || onOrders != sold || stock != 2*units-sold {
		t.Fatalf("books after the crash: deal sold %d of %d, %d on orders, stock %d", sold, units, onOrders, stock)
	}
	// Orders committed in the instant before the kill may never have reached their
	// buyer's screen (counted as sold, not as confirmed); the reverse would be a loss.
	if sold != units || int64(len(confirmed)) > sold {
		t.Fatalf("the restarted sale should sell out: %d sold, %d confirmed (%d before the kill, %d after)", sold, len(confirmed), before, more)
	}
	t.Logf("%d confirmed before kill -9, %d after the restart; %d of %d sold, none lost", before, more, sold, units)
}

// killMidBurst runs n requests (do, as request i against the node's URL) from 32
// clients and kills the node with SIGKILL once want of them have succeeded; it
// returns what the successful ones answered (an order or checkout id).
func killMidBurst(t *testing.T, node child, n, want int, do func(url string, i int) (string, bool)) map[string]bool {
	t.Helper()
	var mu sync.Mutex
	ok := map[string]bool{}
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range next {
				if got, fine := do(node.url, i); fine {
					mu.Lock()
					ok[got] = true
					mu.Unlock()
				}
			}
		})
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		mu.Lock()
		k := len(ok)
		mu.Unlock()
		if k >= want {
			break
		}
	}
	if err := node.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = node.cmd.Wait()
	wg.Wait()
	return ok
}

type flashWorld struct {
	session, sku, sale id.ID
	tokens             []string
}

// seedFlashWorld makes a live with a flash sale of units and buyers with tokens, on
// the data directory, then closes the node.
func seedFlashWorld(t *testing.T, dir string, units, buyers int) flashWorld {
	t.Helper()
	ctx := context.Background()
	a, ops, must := openSeed(t, dir)
	defer a.Close()
	pol, err := a.Markets.Policy(ctx, "US", time.Now())
	must(err)
	pol.Live.FlashCountdownMinSec = 0
	_, err = a.Markets.SetPolicy(ctx, ops, "US", time.Now(), pol, "test: no countdown")
	must(err)
	ownerAcct, err := a.Identity.Provision(ctx, "owner@crash.test", "Owner", "", auth.Seller)
	must(err)
	owner := ownerAcct.Actor()
	shop, err := a.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Crash Shop"})
	must(err)
	_, err = a.Sellers.SetTier(ctx, ops, shop.ID, "Pro", "test: no daily cap")
	must(err)
	prod, err := a.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Crash gloss",
		SKUs: []catalog.SKUInput{{Price: money.New(1999, "USD"), Stock: int64(2 * units)}}})
	must(err)
	sess, err := a.Content.Schedule(ctx, owner, content.ScheduleInput{Title: "Crash live", ProductIDs: []id.ID{prod.ID}, ShopID: shop.ID})
	must(err)
	_, err = a.Content.Start(ctx, owner, sess.ID)
	must(err)
	sale, err := a.FlashSales.Start(ctx, owner, sess.ID, live.FlashSaleInput{SKUID: prod.SKUs[0].ID, DealPrice: 999, Quantity: int64(units),
		PerBuyerLimit: 1, DurationSeconds: 20 * 60})
	must(err)
	return flashWorld{session: sess.ID, sku: prod.SKUs[0].ID, sale: sale.ID, tokens: buyersWithTokens(t, a, "crash", buyers+units)}
}

// openSeed opens a node on dir for a crash test to seed, with an operator; must fails
// the test on an error.
func openSeed(t *testing.T, dir string) (a *app.App, ops auth.Actor, must func(error)) {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DataDir: dir, TimerInterval: time.Hour}, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	must = func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err) // the caller's deferred Close still runs
		}
	}
	opsAcct, err := a.Identity.Provision(ctx, "ops@crash.test", "Ops", "", auth.Operator)
	must(err)
	return a, opsAcct.Actor(), must
}

// buyersWithTokens provisions n buyers and returns a bearer token for each.
func buyersWithTokens(t *testing.T, a *app.App, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	in := make([]identity.ProvisionInput, n)
	for i := range in {
		in[i] = identity.ProvisionInput{Email: fmt.Sprintf("%s%d@crash.test", prefix, i), DisplayName: fmt.Sprintf("Buyer %d", i)}
	}
	accts, err := a.Identity.ProvisionMany(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, len(accts))
	for i, acct := range accts {
		tok, err := a.Identity.IssueTokenFor(ctx, acct.ID, prefix+" test")
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = tok.Token
	}
	return tokens
}

type child struct {
	cmd *exec.Cmd
	url string
}

// startChild runs the test binary as a server on dir and waits until it answers.
func startChild(t *testing.T, dir string) child {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFlashCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir+"|"+addrFile)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(addrFile)
		if err != nil || len(b) == 0 {
			continue
		}
		url := "http://" + string(b)
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			return child{cmd: cmd, url: url}
		}
	}
	_ = cmd.Process.Kill()
	t.Fatal("the server process did not start")
	return child{}
}

// flashBuy presses Buy as buyer i; ok only for a 201 with an order.
func flashBuy(client *http.Client, base string, w flashWorld, i int) (string, bool) {
	res, ok := postCheckout(client, base+"/api/v1/live/sessions/"+w.session.String()+"/orders", w.tokens[i],
		live.BuyInput{SKUID: w.sku, Quantity: 1, IdempotencyKey: fmt.Sprint("crash-", i), PaymentMethod: "pm_card_visa", ShippingAddress: crashAddress})
	if !ok || len(res.Orders) != 1 {
		return "", false
	}
	return res.Orders[0].ID.String(), true
}

var crashAddress = order.Address{Name: "Buyer", Line1: "1 Main St", City: "Austin", PostalCode: "78701", Country: "US"}

// postCheckout posts a buying request as the token's buyer; ok only for a 201 whose
// answer decodes.
func postCheckout(client *http.Client, url, token string, in any) (order.CheckoutResult, bool) {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return order.CheckoutResult{}, false
	}
	defer resp.Body.Close()
	var res order.CheckoutResult
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&res) != nil {
		return order.CheckoutResult{}, false
	}
	return res, true
}
