package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Product review. Operators keep a list of prohibited keywords per market; a new
// product whose title or description contains one waits in pending_review, with the
// words found as its review note, instead of going live. Operators approve it (live)
// or reject it with a reason the seller sees. Products without such words go live at
// once. Edits of the title or description are screened again (rescreen): a live
// product whose new text contains a prohibited keyword goes back to pending_review,
// and a rejected product that is edited waits for review again.

// Keyword is a prohibited keyword of a market.
type Keyword struct {
	Market    string    `json:"market"`
	Keyword   string    `json:"keyword"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// ErrNotInProductReview: the product is not waiting for review.
var ErrNotInProductReview = errs.New(errs.Conflict, "product_not_in_review", "this product is not waiting for review")

// AddKeyword prohibits a keyword in a market. Operators only.
func (s *Service) AddKeyword(ctx context.Context, actor auth.Actor, marketCode, keyword, reason string) (Keyword, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Keyword{}, err
	}
	if _, err := s.markets.Market(ctx, marketCode); err != nil {
		return Keyword{}, errs.OnField(err, "market")
	}
	keyword, reason = strings.ToLower(strings.TrimSpace(keyword)), strings.TrimSpace(reason)
	if len(keyword) < 2 || len(keyword) > 64 {
		return Keyword{}, errs.Invalidf("keyword", "a keyword is 2-64 characters")
	}
	if reason == "" {
		return Keyword{}, errs.Invalidf("reason", "say why it is prohibited; sellers see it")
	}
	k := Keyword{Market: marketCode, Keyword: keyword, Reason: reason, CreatedAt: s.now().UTC()}
	_, err := s.db.ExecContext(ctx, `INSERT INTO prohibited_keywords (market, keyword, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (market, keyword) DO UPDATE SET reason = $3`, k.Market, k.Keyword, k.Reason, actor.AccountID, db.Micros(k.CreatedAt))
	return k, err
}

// Keywords lists a market's prohibited keywords.
func (s *Service) Keywords(ctx context.Context, marketCode string) ([]Keyword, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT market, keyword, reason, created_at FROM prohibited_keywords WHERE market = $1 ORDER BY keyword`, marketCode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Keyword
	for rows.Next() {
		var k Keyword
		var at int64
		if err := rows.Scan(&k.Market, &k.Keyword, &k.Reason, &at); err != nil {
			return nil, err
		}
		k.CreatedAt = db.Time(at)
		out = append(out, k)
	}
	return out, rows.Err()
}

// screen returns the note for a product that needs review ("" if none is needed).
func (s *Service) screen(ctx context.Context, marketCode string, in ProductInput) (string, error) {
	ks, err := s.Keywords(ctx, marketCode)
	if err != nil || len(ks) == 0 {
		return "", err
	}
	text := strings.ToLower(in.Title + "\n" + in.Description)
	var hits []string
	for _, k := range ks {
		if strings.Contains(text, k.Keyword) {
			hits = append(hits, fmt.Sprintf("%q (%s)", k.Keyword, k.Reason))
		}
	}
	if len(hits) == 0 {
		return "", nil
	}
	return "contains " + strings.Join(hits, ", "), nil
}

// rescreen decides a product's state and review note after its text is edited to
// title and desc: a live product with a prohibited keyword goes back to review; a
// rejected product goes back to review with the fix for operators to check; a product
// already waiting gets its note refreshed. Otherwise nothing changes.
func (s *Service) rescreen(ctx context.Context, p Product, title, desc string) (Status, string, error) {
	note, err := s.screen(ctx, p.Market, ProductInput{Title: title, Description: desc})
	if err != nil {
		return "", "", err
	}
	switch {
	case p.Status == Live && note != "":
		return PendingReview, "edited: " + note, nil
	case p.Status == Rejected:
		if note == "" {
			note = "no prohibited keywords"
		}
		return PendingReview, "edited after rejection (" + p.ReviewNote + "): " + note, nil
	case p.Status == PendingReview:
		if note == "" {
			note = "no prohibited keywords any more"
		}
		return PendingReview, "edited while waiting: " + note, nil
	}
	return p.Status, p.ReviewNote, nil
}

// ReviewQueue lists products waiting for review, oldest first. Operators only.
func (s *Service) ReviewQueue(ctx context.Context, actor auth.Actor, limit int) ([]Product, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	return s.products(ctx, `WHERE p.status = 'pending_review' ORDER BY p.id LIMIT $1`, limit)
}

// ReviewProduct approves a product waiting for review (it goes live) or rejects it
// with a reason the seller sees. Operators only.
func (s *Service) ReviewProduct(ctx context.Context, actor auth.Actor, productID id.ID, approve bool, reason string) (Product, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Product{}, err
	}
	reason = strings.TrimSpace(reason)
	to := Live
	if !approve {
		to = Rejected
		if reason == "" {
			return Product{}, errs.Invalidf("reason", "say why, so the seller can fix the listing")
		}
	}
	note := "approved by review"
	if reason != "" {
		note = reason
	}
	p, err := s.Product(ctx, productID)
	if err != nil {
		return Product{}, err
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE products SET status = $1, review_note = $2, updated_at = $3 WHERE id = $4 AND status = 'pending_review'`,
			string(to), note, db.Micros(now), productID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotInProductReview
		}
		p.Status = PendingReview // what the conditional update found
		return s.statusChanged(ctx, tx, p, to, reason, now)
	})
	if err != nil {
		return Product{}, err
	}
	s.log.Info("product reviewed", "product", productID, "status", to, "by", actor.AccountID)
	return s.Product(ctx, productID)
}
