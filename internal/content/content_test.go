package content_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

type fixture struct {
	*testkit.Kit
	content  *content.Service
	creators *creator.Service
	catalog  *catalog.Service
	owner    auth.Actor
	shop     seller.Shop
	products []catalog.Product
	host     auth.Actor
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	k := testkit.New(t, d)
	ctx := context.Background()
	sellers := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
	f := fixture{Kit: k, catalog: catalog.NewService(d, k.Markets, sellers, k.Outbox, k.Log)}
	f.creators = creator.NewService(d, k.Markets, k.Identity, sellers, f.catalog, k.Log)
	f.content = content.NewService(d, k.Markets, sellers, f.catalog, f.creators, k.Outbox, k.Log)
	f.owner = k.Actor(t, "ana", auth.Seller)
	f.shop, _ = sellers.Register(ctx, f.owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
	for i := 0; i < 3; i++ {
		p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, catalog.ProductInput{Title: fmt.Sprint("Product ", i), SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		f.creators.SetOffer(ctx, f.owner, p.ID, 1000, true)
		f.products = append(f.products, p)
	}
	f.host = k.Actor(t, "host")
	c, err := f.creators.CreateProfile(ctx, f.host, creator.ProfileInput{Handle: "host", Market: "US", BirthDate: "1990-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	var fans []id.ID
	for i := 0; i < 1000; i++ {
		fans = append(fans, k.Actor(t, "fan").AccountID)
	}
	k.Identity.FollowMany(ctx, fans, identity.FollowCreator, c.ID)
	f.host.Roles = append(f.host.Roles, auth.Creator)
	for _, p := range f.products[:2] {
		if err := f.creators.AddToShowcase(ctx, f.host, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestLiveSessionLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		sess, err := f.content.Schedule(ctx, f.host, content.ScheduleInput{Title: "Friday glow", ProductIDs: []id.ID{f.products[0].ID, f.products[1].ID}})
		if err != nil {
			t.Fatal(err)
		}
		if sess.Status != content.Scheduled || sess.CreatorID == 0 || sess.Market != "US" {
			t.Fatalf("%+v", sess)
		}
		if _, err := f.content.Pin(ctx, f.host, sess.ID, f.products[0].ID); !errors.Is(err, content.ErrSessionState) {
			t.Fatalf("pin before start: %v", err)
		}
		if _, err := f.content.Start(ctx, f.Actor(t, "eve"), sess.ID); !errors.Is(err, content.ErrNotHost) {
			t.Fatalf("start by someone else: %v", err)
		}
		if _, err := f.content.Start(ctx, f.host, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.content.Pin(ctx, f.host, sess.ID, f.products[2].ID); !errors.Is(err, content.ErrProductNotInLive) {
			t.Fatalf("pin a product not in the live: %v", err)
		}
		if _, err := f.content.Pin(ctx, f.host, sess.ID, f.products[1].ID); err != nil {
			t.Fatal(err)
		}
		live, _ := f.content.List(ctx, content.Listing{Status: content.Live, Market: "US"})
		if len(live) != 1 || live[0].PinnedProductID != f.products[1].ID || len(live[0].ProductIDs) != 2 {
			t.Fatalf("live now %+v", live)
		}
		if _, err := f.content.End(ctx, f.host, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.content.End(ctx, f.host, sess.ID); !errors.Is(err, content.ErrSessionState) {
			t.Fatalf("end twice: %v", err)
		}
		rows, _ := d.QueryContext(ctx, `SELECT topic FROM outbox WHERE topic LIKE 'live.%' ORDER BY id`)
		var topics []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			topics = append(topics, s)
		}
		rows.Close()
		if fmt.Sprint(topics) != "[live.scheduled live.started live.product_pinned live.ended]" {
			t.Fatalf("events %v", topics)
		}
	})
}

func TestScheduleRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		small := f.Actor(t, "small")
		f.creators.CreateProfile(ctx, small, creator.ProfileInput{Handle: "small", Market: "US", BirthDate: "1990-01-01"})
		tests := []struct {
			name      string
			actor     auth.Actor
			in        content.ScheduleInput
			wantCode  string
			wantField string
		}{
			{"not in showcase", f.host, content.ScheduleInput{Title: "Live", ProductIDs: []id.ID{f.products[2].ID}}, "not_in_showcase", "product_ids[0]"},
			{"no products", f.host, content.ScheduleInput{Title: "Live"}, "invalid_field", "product_ids"},
			{"unknown product", f.host, content.ScheduleInput{Title: "Live", ProductIDs: []id.ID{99}}, "product_not_found", "product_ids[0]"},
			{"below follower threshold", small, content.ScheduleInput{Title: "Live", ProductIDs: []id.ID{f.products[0].ID}}, "creator_not_eligible", ""},
			{"another seller's shop", f.Actor(t, "bo", auth.Seller), content.ScheduleInput{Title: "Live", ShopID: f.shop.ID, ProductIDs: []id.ID{f.products[0].ID}}, "not_your_shop", ""},
			{"no title", f.host, content.ScheduleInput{ProductIDs: []id.ID{f.products[0].ID}}, "invalid_field", "title"},
		}
		for _, tt := range tests {
			_, err := f.content.Schedule(ctx, tt.actor, tt.in)
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		// A shop may self-broadcast its own products without a creator profile.
		sess, err := f.content.Schedule(ctx, f.owner, content.ScheduleInput{Title: "Shop live", ShopID: f.shop.ID, ProductIDs: []id.ID{f.products[2].ID}})
		if err != nil || sess.ShopID != f.shop.ID || sess.CreatorID != 0 {
			t.Fatalf("self-broadcast %+v %v", sess, err)
		}
	})
}

// A live's planned length is held to the market's bounds; a practice live is the
// host's alone to find and is listed to nobody else.
func TestLiveLengthAndPractice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		in := content.ScheduleInput{Title: "Shop live", ShopID: f.shop.ID, ProductIDs: []id.ID{f.products[2].ID}}
		for _, minutes := range []int{29, 13*60 + 1, -5} {
			in.DurationMinutes = minutes
			if _, err := f.content.Schedule(ctx, f.owner, in); errs.As(err) == nil || errs.As(err).Field != "duration_minutes" {
				t.Errorf("%d minutes: %v, want a refusal on duration_minutes", minutes, err)
			}
		}
		in.DurationMinutes = 0
		sess, err := f.content.Schedule(ctx, f.owner, in)
		if err != nil || sess.PlannedMinutes != 60 || sess.Practice {
			t.Fatalf("a default live: %+v %v", sess, err)
		}
		in.DurationMinutes, in.Practice, in.Title = 13*60, true, "Rehearsal"
		practice, err := f.content.Schedule(ctx, f.owner, in)
		if err != nil || !practice.Practice || practice.PlannedMinutes != 780 {
			t.Fatalf("a practice live: %+v %v", practice, err)
		}
		listed, err := f.content.List(ctx, content.Listing{Status: content.Scheduled, Market: "US"})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range listed {
			if s.ID == practice.ID {
				t.Fatal("a practice live is listed publicly")
			}
		}
		mine, err := f.content.List(ctx, content.Listing{Status: content.Scheduled, HostID: f.owner.AccountID})
		if err != nil || len(mine) != 2 {
			t.Fatalf("the host's own list: %d lives, %v", len(mine), err)
		}
		got, err := f.content.Session(ctx, practice.ID)
		if err != nil || !got.Practice || got.PlannedMinutes != 780 {
			t.Fatalf("reloaded practice live: %+v %v", got, err)
		}
	})
}
