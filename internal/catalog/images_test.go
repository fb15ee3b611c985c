package catalog_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// A 1×1 PNG.
var pngPixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func TestProductImagesInTheStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		c.Catalog.Images = catalog.NewDirStore(t.TempDir())
		ctx := context.Background()
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		p, _ := c.Catalog.CreateProduct(ctx, ana, shop.ID, catalog.ProductInput{Title: "Gloss", SKUs: []catalog.SKUInput{{Price: money.New(100, "USD"), Stock: 1}}})

		for _, b := range []struct {
			name  string
			actor auth.Actor
			data  []byte
			code  string
		}{
			{"not an image", ana, []byte("<html>hi</html>"), "invalid_field"},
			{"empty", ana, nil, "invalid_field"},
			{"too big", ana, append(append([]byte{}, pngPixel...), make([]byte, catalog.MaxImageBytes)...), "invalid_field"},
			{"someone else", k.Actor(t, "bo", auth.Seller), pngPixel, "not_your_shop"},
		} {
			if _, err := c.Catalog.AddImage(ctx, b.actor, p.ID, b.data); errs.As(err) == nil || errs.As(err).Code != b.code {
				t.Errorf("%s: %v", b.name, err)
			}
		}
		img, err := c.Catalog.AddImage(ctx, ana, p.ID, pngPixel)
		if err != nil || img.ContentType != "image/png" || img.URL != "/media/"+img.Key {
			t.Fatalf("add %+v %v", img, err)
		}
		imgs, _ := c.Catalog.ImagesOf(ctx, p.ID)
		if len(imgs) != 1 || imgs[0].Key != img.Key {
			t.Fatalf("images %+v", imgs)
		}
		rc, ct, err := c.Catalog.OpenImage(ctx, img.Key)
		if err != nil || ct != "image/png" {
			t.Fatalf("open %v", err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, pngPixel) {
			t.Fatal("bytes differ")
		}
		for _, key := range []string{"../../etc/passwd", "products/unknown.png"} {
			if _, _, err := c.Catalog.OpenImage(ctx, key); errs.As(err) == nil || errs.As(err).Code != "image_not_found" {
				t.Errorf("%s: %v", key, err)
			}
		}
	})
}
