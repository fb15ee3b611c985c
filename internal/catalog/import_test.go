package catalog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestImportCSVKeepsGoodRowsAndNamesBadOnes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		file := strings.Join([]string{
			"title,price,stock,category,product,sku_name,seller_sku",
			"Velvet lip tint,12.99,10,lips,,,",
			"Broken price,twelve,10,lips,,,",
			"Negative stock,5.00,-3,lips,,,",
			"Unknown category,5.00,1,spaceships,,,",
			"Too,many,values,in,this,row,here,extra",
			"Serum,24.99,5,skincare,SER,30 ml,SER-30",
			"Serum,39.99,2,skincare,SER,50 ml,SER-50",
			"Tee,0,5,womenswear,TEE,S,TEE-S",
			"Tee,9.99,5,womenswear,TEE,M,TEE-M",
			"X,1.00,1,,,,",
		}, "\n")
		job, err := c.Catalog.ImportCSV(ctx, ana, shop.ID, []byte(file))
		if err != nil {
			t.Fatal(err)
		}
		if job.Status != catalog.ImportDone || job.Total != 10 || job.Done != 10 || job.Imported != 2 || job.Failed != 7 {
			t.Fatalf("job %+v", job)
		}
		got := map[int]string{}
		for _, e := range job.Errors {
			got[e.Row] = e.Column + ":" + e.Code
		}
		want := map[int]string{
			3: "price:invalid_field", 4: "stock:invalid_field", 5: "category:category_not_found", 6: ":bad_row",
			9: "price:invalid_field", 10: "product:product_row_failed", 11: "title:invalid_field",
		}
		for row, w := range want {
			if got[row] != w {
				t.Errorf("row %d: %q, want %q (all %v)", row, got[row], w, job.Errors)
			}
		}
		ps, _ := c.Catalog.ProductsOfShop(ctx, shop.ID, 10)
		if len(ps) != 2 || ps[0].Title != "Serum" || len(ps[0].SKUs) != 2 || ps[0].Category != "skincare" || ps[1].SKUs[0].Price.Amount != 1299 {
			t.Fatalf("imported %+v", ps)
		}
		// The job reads back for its shop's manager only.
		back, err := c.Catalog.Import(ctx, ana, job.ID)
		if err != nil || back.Failed != 7 || len(back.Errors) != len(job.Errors) {
			t.Fatalf("read back %+v %v", back, err)
		}
		if _, err := c.Catalog.Import(ctx, k.Actor(t, "bo", auth.Seller), job.ID); errs.As(err).Code != "not_your_shop" {
			t.Fatalf("other seller read the job: %v", err)
		}

		// Attributes as name=value pairs; a malformed pair is that row's error.
		attrJob, err := c.Catalog.ImportCSV(ctx, ana, shop.ID, []byte("title,price,attributes\nScarf,5.00,material=silk; origin=TH\nShawl,5.00,silk"))
		if err != nil || attrJob.Imported != 1 || len(attrJob.Errors) != 1 || attrJob.Errors[0].Row != 3 || attrJob.Errors[0].Column != "attributes" {
			t.Fatalf("attributes import %+v %v", attrJob, err)
		}
		scarf, _ := c.Catalog.ProductsOfShop(ctx, shop.ID, 1)
		if scarf[0].Attributes["material"] != "silk" || scarf[0].Attributes["origin"] != "TH" {
			t.Fatalf("scarf %+v", scarf[0])
		}
		// Files refused as a whole change nothing.
		for _, f := range []struct{ name, file, field string }{
			{"empty", "", "file"},
			{"unknown column", "title,price,colour\nA,1.00,red", "file"},
			{"no price column", "title,stock\nA,1", "file"},
			{"header only", "title,price", "file"},
		} {
			_, err := c.Catalog.ImportCSV(ctx, ana, shop.ID, []byte(f.file))
			if e := errs.As(err); e == nil || e.Field != f.field {
				t.Errorf("%s: %v", f.name, err)
			}
		}
		if ps, _ := c.Catalog.ProductsOfShop(ctx, shop.ID, 10); len(ps) != 3 {
			t.Fatalf("refused files imported %d", len(ps)-3)
		}
		// A big file through the background path reports progress to the end.
		var b strings.Builder
		b.WriteString("title,price,stock\n")
		for i := 0; i < 60; i++ {
			fmt.Fprintf(&b, "Item %d,1.%02d,3\n", i, i)
		}
		started, err := c.Catalog.StartImport(ctx, ana, shop.ID, []byte(b.String()))
		if err != nil || started.Total != 60 {
			t.Fatalf("start %+v %v", started, err)
		}
		for i := 0; ; i++ {
			j, err := c.Catalog.Import(ctx, ana, started.ID)
			if err != nil {
				t.Fatal(err)
			}
			if j.Status == catalog.ImportDone {
				if j.Imported != 60 || j.Percent() != 100 {
					t.Fatalf("finished %+v", j)
				}
				break
			}
			if i > 2000 {
				t.Fatal("import never finished")
			}
			waitABit()
		}
	})
}

func waitABit() { <-time.After(10 * time.Millisecond) }

// A job whose worker died (the process stopped mid-file) keeps "running" with a stale
// heartbeat; recovery marks it failed, saying how far it got, and leaves live jobs alone.
func TestStuckImportsAreMarkedFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		now := time.Now()
		// A real job runs to its end; then two rows as a dead and a live worker leave them.
		done, err := c.Catalog.ImportCSV(ctx, ana, shop.ID, []byte("title,price\nTint,1.00\n"))
		if err != nil {
			t.Fatal(err)
		}
		var dead, live int64 = 7001, 7002
		for _, j := range []struct {
			id   int64
			beat time.Time
		}{{dead, now.Add(-5 * time.Minute)}, {live, now.Add(-5 * time.Second)}} {
			if _, err := d.ExecContext(ctx, `INSERT INTO import_jobs (id, shop_id, actor_id, status, total, done, imported, created_at, heartbeat_at)
				VALUES ($1, $2, $3, 'running', 500, 120, 118, $4, $5)`, j.id, shop.ID, ana.AccountID, db.Micros(now.Add(-10*time.Minute)), db.Micros(j.beat)); err != nil {
				t.Fatal(err)
			}
		}
		n, err := c.Catalog.RecoverImports(ctx, now, catalog.ImportStaleAfter)
		if err != nil || n != 1 {
			t.Fatalf("recovered %d %v", n, err)
		}
		got, err := c.Catalog.Import(ctx, ana, id.ID(dead))
		if err != nil {
			t.Fatal(err)
		}
		last := got.Errors[len(got.Errors)-1]
		if got.Status != catalog.ImportFailed || got.FinishedAt.IsZero() || got.Failed != 380 || last.Code != "import_interrupted" || last.Row != 122 ||
			!strings.Contains(last.Message, "after 120 of 500 rows") {
			t.Fatalf("dead job %+v", got)
		}
		if j, _ := c.Catalog.Import(ctx, ana, id.ID(live)); j.Status != catalog.ImportRunning {
			t.Fatalf("live job %s", j.Status)
		}
		if j, _ := c.Catalog.Import(ctx, ana, done.ID); j.Status != catalog.ImportDone {
			t.Fatalf("finished job %s", j.Status)
		}
		// Running again changes nothing.
		if n, _ := c.Catalog.RecoverImports(ctx, now, catalog.ImportStaleAfter); n != 0 {
			t.Fatalf("recovered again %d", n)
		}
	})
}
