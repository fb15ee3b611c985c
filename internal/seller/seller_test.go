package seller_test

import (
	"context"
	"errors"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestRegisterShop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		ana := k.Actor(t, "ana", auth.Seller)
		shop, err := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's Atelier"})
		if err != nil {
			t.Fatal(err)
		}
		if shop.Status != seller.Active || shop.Kind != seller.Local || shop.ActivatedAt.IsZero() {
			t.Fatalf("shop %+v", shop)
		}
		var topic string
		d.QueryRowContext(ctx, `SELECT topic FROM outbox`).Scan(&topic)
		if topic != "shop.registered" {
			t.Fatalf("outbox topic %q", topic)
		}

		shopper := k.Actor(t, "sh")
		tests := []struct {
			name      string
			actor     auth.Actor
			in        seller.RegisterInput
			wantCode  string
			wantField string
		}{
			{"planned market", ana, seller.RegisterInput{Market: "JP", Name: "Tokyo Goods"}, "market_closed", "market"},
			{"unknown market", ana, seller.RegisterInput{Market: "ZZ", Name: "Nowhere"}, "market_not_found", "market"},
			{"same name same market", ana, seller.RegisterInput{Market: "US", Name: "Ana's Atelier"}, "shop_name_taken", "name"},
			{"short name", ana, seller.RegisterInput{Market: "US", Name: "A"}, "invalid_field", "name"},
			{"bad kind", ana, seller.RegisterInput{Market: "US", Name: "Other", Kind: "pop"}, "invalid_shop_kind", "kind"},
			{"not a seller", shopper, seller.RegisterInput{Market: "US", Name: "Other"}, "forbidden", ""},
			{"anonymous", auth.Actor{}, seller.RegisterInput{Market: "US", Name: "Other"}, "unauthenticated", ""},
		}
		for _, tt := range tests {
			_, err := s.Register(ctx, tt.actor, tt.in)
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		// The same name is fine in another market.
		if _, err := s.Register(ctx, ana, seller.RegisterInput{Market: "GB", Name: "Ana's Atelier"}); err != nil {
			t.Fatal(err)
		}
		mine, _ := s.ShopsOf(ctx, ana.AccountID)
		if len(mine) != 2 {
			t.Fatalf("%d shops", len(mine))
		}
	})
}

func TestOnlyTheOwnerOrAnOperatorManagesAShop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		ana, bo := k.Actor(t, "ana", auth.Seller), k.Actor(t, "bo", auth.Seller)
		shop, err := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Manage(ctx, ana, shop.ID); err != nil {
			t.Fatalf("owner: %v", err)
		}
		if _, err := s.Manage(ctx, k.Operator(t), shop.ID); err != nil {
			t.Fatalf("operator: %v", err)
		}
		if _, err := s.Manage(ctx, bo, shop.ID); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("other seller: %v", err)
		}
		if _, err := s.Manage(ctx, bo, 12345); !errors.Is(err, seller.ErrShopNotFound) {
			t.Fatalf("unknown shop: %v", err)
		}
	})
}

func TestFollowShopCountsFollowers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		shop, _ := s.Register(ctx, k.Actor(t, "ana", auth.Seller), seller.RegisterInput{Market: "US", Name: "Ana's"})
		for i := 0; i < 3; i++ {
			if err := s.Follow(ctx, k.Actor(t, "fan"), shop.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.Shop(ctx, shop.ID)
		if got.Followers != 3 {
			t.Fatalf("followers %d", got.Followers)
		}
		if err := s.Follow(ctx, k.Actor(t, "fan"), 999); !errors.Is(err, seller.ErrShopNotFound) {
			t.Fatalf("unknown shop: %v", err)
		}
	})
}
