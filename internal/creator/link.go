package creator

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// SourceAffiliateLink is the order line source of a sale through a creator's link.
const SourceAffiliateLink = "AFFILIATE_LINK"

// linkSecretKey names the HMAC key in the settings table: made once per
// installation, so links keep working across restarts and nodes.
const linkSecretKey = "creator.link_secret"

// AffiliateLink is a creator's signed link to a product.
type AffiliateLink struct {
	CreatorID id.ID  `json:"creator_id"`
	ProductID id.ID  `json:"product_id"`
	Token     string `json:"token"`
	Path      string `json:"path"` // /l/{token}
	// ViaAd marks a link behind a seller's ad (AdLink): sales through it earn the ads rate.
	ViaAd bool `json:"via_ad"`
}

// Touch is a shopper's click on an affiliate link, signed so the shopper's browser
// can carry it to checkout without being able to change it.
type Touch struct {
	CreatorID id.ID     `json:"creator_id"`
	ProductID id.ID     `json:"product_id"`
	At        time.Time `json:"at"`
	ViaAd     bool      `json:"via_ad"`
	Token     string    `json:"token"` // what the browser keeps (a cookie)
}

func (s *Service) linkKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
		linkSecretKey, hex.EncodeToString(fresh), db.Micros(s.now())); err != nil {
		return nil, fmt.Errorf("creator: link key: %w", err)
	}
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, linkSecretKey).Scan(&v); err != nil {
		return nil, fmt.Errorf("creator: link key: %w", err)
	}
	k, err := hex.DecodeString(v)
	if err != nil || len(k) < 16 {
		return nil, fmt.Errorf("creator: link key in settings is malformed")
	}
	s.key = k
	return k, nil
}

// sign returns payload.signature, the signature an HMAC-SHA256 of the payload under
// the installation's key (truncated to 128 bits), both base64url.
func (s *Service) sign(ctx context.Context, payload string) (string, error) {
	k, err := s.linkKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(payload))
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(m.Sum(nil)[:16]), nil
}

// verify returns a token's payload if its signature is right, ErrForgedLink if not.
func (s *Service) verify(ctx context.Context, token string) (string, error) {
	enc := base64.RawURLEncoding
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", ErrForgedLink
	}
	payload, err1 := enc.DecodeString(p)
	got, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return "", ErrForgedLink
	}
	k, err := s.linkKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write(payload)
	if !hmac.Equal(got, m.Sum(nil)[:16]) {
		return "", ErrForgedLink
	}
	return string(payload), nil
}

func parseIDs(payload, kind string, n int) ([]int64, bool) {
	parts := strings.Split(payload, ":")
	if len(parts) != n+1 || parts[0] != kind {
		return nil, false
	}
	out := make([]int64, n)
	for i := range out {
		v, err := strconv.ParseInt(parts[i+1], 10, 64)
		if err != nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// Link makes the actor's signed affiliate link to a product in their showcase.
func (s *Service) Link(ctx context.Context, actor auth.Actor, productID id.ID) (AffiliateLink, error) {
	c, err := s.RequireSeller(ctx, actor)
	if err != nil {
		return AffiliateLink{}, err
	}
	if _, err := s.CommissionFor(ctx, c.ID, productID); err != nil {
		return AffiliateLink{}, ErrNotInShowcase.With("add the product to your showcase before sharing a link to it").OnField("product_id")
	}
	tok, err := s.sign(ctx, fmt.Sprintf("l:%d:%d", c.ID, productID))
	if err != nil {
		return AffiliateLink{}, err
	}
	return AffiliateLink{CreatorID: c.ID, ProductID: productID, Token: tok, Path: "/l/" + tok}, nil
}

// Click records a shopper's click on a link and returns the touch to keep. A link
// not signed by this installation is refused (ErrForgedLink) and nothing is recorded.
func (s *Service) Click(ctx context.Context, token string) (Touch, error) {
	payload, err := s.verify(ctx, token)
	if err != nil {
		return Touch{}, err
	}
	ids, ok := parseIDs(payload, "l", 2)
	viaAd := false
	if !ok {
		if ids, ok = parseIDs(payload, "a", 2); !ok {
			return Touch{}, ErrForgedLink
		}
		viaAd = true
	}
	t := Touch{CreatorID: id.ID(ids[0]), ProductID: id.ID(ids[1]), At: s.now().UTC(), ViaAd: viaAd}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO affiliate_clicks (id, creator_id, product_id, clicked_at) VALUES ($1, $2, $3, $4)`,
		id.New(), t.CreatorID, t.ProductID, db.Micros(t.At)); err != nil {
		return Touch{}, fmt.Errorf("creator: record click: %w", err)
	}
	kind := "t"
	if viaAd {
		kind = "ta" // a touch through an ad: the ads rate at checkout
	}
	if t.Token, err = s.sign(ctx, fmt.Sprintf("%s:%d:%d:%d", kind, t.CreatorID, t.ProductID, t.At.UnixMicro())); err != nil {
		return Touch{}, err
	}
	return t, nil
}

// LinkAttribution credits a purchase of productID to the creator of the shopper's
// last touch (the newest click replaces older ones in the browser) when it is for
// this product, within the market's attribution window, and the product is still in
// the creator's showcase; at the ads rate when the touch came through an ad link. It returns the creator and rate, or an error: a forged
// touch is ErrForgedLink, an old one ErrLinkExpired.
func (s *Service) LinkAttribution(ctx context.Context, touchToken string, productID id.ID) (id.ID, money.BP, error) {
	payload, err := s.verify(ctx, touchToken)
	if err != nil {
		return 0, 0, err
	}
	ids, ok := parseIDs(payload, "t", 3)
	viaAd := false
	if !ok {
		if ids, ok = parseIDs(payload, "ta", 3); !ok {
			return 0, 0, ErrForgedLink
		}
		viaAd = true
	}
	creatorID, pid, at := id.ID(ids[0]), id.ID(ids[1]), time.UnixMicro(ids[2])
	if pid != productID {
		return 0, 0, ErrNotInShowcase.With("this link was for another product").OnField("link")
	}
	c, err := s.Creator(ctx, creatorID)
	if err != nil {
		return 0, 0, err
	}
	now := s.now()
	p, err := s.markets.Policy(ctx, c.Market, now)
	if err != nil {
		return 0, 0, err
	}
	if now.Sub(at) > time.Duration(p.Creators.AttributionWindowDays)*24*time.Hour {
		return 0, 0, ErrLinkExpired.With("the click was on %s; %s credits links for %d days", at.UTC().Format("2006-01-02"), c.Market, p.Creators.AttributionWindowDays)
	}
	rate := s.CommissionFor
	if viaAd {
		rate = s.CommissionForAds
	}
	bp, err := rate(ctx, creatorID, productID)
	if err != nil {
		return 0, 0, err
	}
	return creatorID, bp, nil
}

// Clicks counts the clicks on a creator's links to a product.
func (s *Service) Clicks(ctx context.Context, creatorID, productID id.ID) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM affiliate_clicks WHERE creator_id = $1 AND product_id = $2`, creatorID, productID).Scan(&n)
	return n, err
}
