package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/blob"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// ImageStore keeps image bytes; it is the platform's blob store, so an object
// store can replace the directory without the catalog knowing.
type ImageStore = blob.Store

// NewDirStore keeps images in the "images" directory of the data directory.
func NewDirStore(dataDir string) blob.Dir { return blob.NewDir(dataDir, "images") }

// Image is a product picture.
type Image struct {
	ID          id.ID  `json:"id"`
	ProductID   id.ID  `json:"product_id"`
	Key         string `json:"key"`
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
}

// Image limits.
const (
	MaxImageBytes    = 5 << 20
	MaxProductImages = 9
)

var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

// ErrImageNotFound: no such image.
var ErrImageNotFound = errs.New(errs.NotFound, "image_not_found", "no such image")

// AddImage stores a picture for a product of a shop the actor manages. The type is
// read from the bytes, not trusted from the upload.
func (s *Service) AddImage(ctx context.Context, actor auth.Actor, productID id.ID, data []byte) (Image, error) {
	if s.Images == nil {
		return Image{}, errs.New(errs.Unavailable, "images_unavailable", "image storage is not configured")
	}
	p, err := s.Product(ctx, productID)
	if err != nil {
		return Image{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, p.ShopID); err != nil {
		return Image{}, err
	}
	if len(data) == 0 || len(data) > MaxImageBytes {
		return Image{}, errs.Invalidf("image", "an image is 1 byte to 5 MB")
	}
	ct := http.DetectContentType(data)
	ext, ok := imageTypes[ct]
	if !ok {
		return Image{}, errs.Invalidf("image", "images are JPEG, PNG, WebP or GIF (this is %s)", ct)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM product_images WHERE product_id = $1`, productID).Scan(&n); err != nil {
		return Image{}, err
	}
	if n >= MaxProductImages {
		return Image{}, errs.Invalidf("image", "a product has at most %d images", MaxProductImages)
	}
	img := Image{ID: id.New(), ProductID: productID, ContentType: ct, Bytes: int64(len(data))}
	img.Key = fmt.Sprintf("products/%s/%s%s", productID, img.ID, ext)
	img.URL = "/media/" + img.Key
	if _, err := s.Images.Put(ctx, img.Key, bytes.NewReader(data)); err != nil {
		return Image{}, fmt.Errorf("catalog: store image: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO product_images (id, product_id, store_key, content_type, bytes, position, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, img.ID, productID, img.Key, ct, img.Bytes, n, db.Micros(time.Now())); err != nil {
		return Image{}, err
	}
	return img, nil
}

// ImagesOf lists a product's images in order.
func (s *Service) ImagesOf(ctx context.Context, productID id.ID) ([]Image, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, product_id, store_key, content_type, bytes FROM product_images WHERE product_id = $1 ORDER BY position`, productID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Image
	for rows.Next() {
		var im Image
		if err := rows.Scan(&im.ID, &im.ProductID, &im.Key, &im.ContentType, &im.Bytes); err != nil {
			return nil, err
		}
		im.URL = "/media/" + im.Key
		out = append(out, im)
	}
	return out, rows.Err()
}

// OpenImage opens a stored image by key, with its content type. Only keys recorded
// for a product are served.
func (s *Service) OpenImage(ctx context.Context, key string) (io.ReadCloser, string, error) {
	var ct string
	err := s.db.QueryRowContext(ctx, `SELECT content_type FROM product_images WHERE store_key = $1`, key).Scan(&ct)
	if err != nil {
		return nil, "", ErrImageNotFound
	}
	if s.Images == nil {
		return nil, "", ErrImageNotFound
	}
	rc, err := s.Images.Open(ctx, key)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", ErrImageNotFound
	}
	return rc, ct, err
}

func (s *Service) handleImage(w http.ResponseWriter, r *http.Request) {
	rc, ct, err := s.OpenImage(r.Context(), r.PathValue("key"))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, rc)
}
