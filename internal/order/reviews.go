package order

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// Reviews: a buyer rates a delivered line 1-5 stars, with text and photos, within the
// market's review window. A line may be reviewed again (a follow-up), but only its
// first review counts toward the shop's negative review rate, so a buyer cannot sink
// a shop by reviewing one purchase many times. Sellers reply once, in public;
// operators hide reviews that break the rules, which takes them out of every count.

// ReviewStatus says whether a review is shown.
type ReviewStatus string

// Review states.
const (
	ReviewPublished ReviewStatus = "published"
	ReviewHidden    ReviewStatus = "hidden"
)

// Review is a buyer's rating of one order line.
type Review struct {
	ID              id.ID        `json:"id"`
	OrderID         id.ID        `json:"order_id"`
	LineID          id.ID        `json:"line_id"`
	ProductID       id.ID        `json:"product_id"`
	ShopID          id.ID        `json:"shop_id"`
	BuyerID         id.ID        `json:"buyer_id"`
	BuyerName       string       `json:"buyer_name,omitempty"`
	Title           string       `json:"title,omitempty"`
	Rating          int          `json:"rating"`
	Body            string       `json:"body"`
	Photos          []string     `json:"photos,omitempty"`
	First           bool         `json:"first"`
	Status          ReviewStatus `json:"status"`
	SellerReply     string       `json:"seller_reply,omitempty"`
	SellerRepliedAt time.Time    `json:"seller_replied_at,omitzero"`
	ModerationNote  string       `json:"moderation_note,omitempty"`
	CreatedAt       time.Time    `json:"created_at"`
}

// Stars renders the rating as filled and empty stars.
func (r Review) Stars() string {
	return strings.Repeat("★", r.Rating) + strings.Repeat("☆", 5-r.Rating)
}

// ReviewInput is a buyer's review.
type ReviewInput struct {
	Rating int      `json:"rating"`
	Body   string   `json:"body"`
	Photos []string `json:"photos"`
}

// Errors of reviews.
var (
	ErrReviewNotFound   = errs.New(errs.NotFound, "review_not_found", "no such review")
	ErrReviewNotAllowed = errs.New(errs.Rule, "review_not_allowed", "this item cannot be reviewed now")
	ErrAlreadyReplied   = errs.New(errs.Conflict, "already_replied", "the shop has already replied to this review")
)

// CreateReview records the buyer's review of a line of a delivered order.
func (s *Service) CreateReview(ctx context.Context, actor auth.Actor, lineID id.ID, in ReviewInput) (Review, error) {
	if err := actor.RequireLogin(); err != nil {
		return Review{}, err
	}
	if in.Rating < 1 || in.Rating > 5 {
		return Review{}, errs.Invalidf("rating", "rate 1 to 5 stars")
	}
	var orderID id.ID
	if err := s.db.QueryRowContext(ctx, `SELECT order_id FROM order_lines WHERE id = $1`, lineID).Scan(&orderID); err != nil {
		return Review{}, errs.OnField(ErrOrderNotFound.With("no such order line"), "line_id")
	}
	o, err := loadOrder(ctx, s.db, orderID, false)
	if err != nil {
		return Review{}, err
	}
	if err := s.buyerOf(actor)(o); err != nil {
		return Review{}, err
	}
	if o.DeliveredAt.IsZero() || (o.Status != Delivered && o.Status != Completed) {
		return Review{}, ErrReviewNotAllowed.With("the order is %s; review it once it is delivered", o.Status.Label())
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, o.Market, now)
	if err != nil {
		return Review{}, err
	}
	if closes := o.DeliveredAt.AddDate(0, 0, pol.Reviews.WindowDays); !now.Before(closes) {
		return Review{}, ErrReviewNotAllowed.With("reviews for this order closed on %s", closes.Format("2 Jan 2006"))
	}
	in.Body = strings.TrimSpace(in.Body)
	if n := utf8.RuneCountInString(in.Body); n > pol.Reviews.MaxRunes {
		return Review{}, errs.Invalidf("body", "a review is at most %d characters", pol.Reviews.MaxRunes)
	}
	if len(in.Photos) > pol.Reviews.MaxPhotos {
		return Review{}, errs.Invalidf("photos", "at most %d photos", pol.Reviews.MaxPhotos)
	}
	for i, p := range in.Photos {
		if u, err := url.Parse(p); err != nil || len(p) > 500 || (u.Scheme != "https" && !strings.HasPrefix(p, "/media/")) {
			return Review{}, errs.Invalidf(fmt.Sprintf("photos[%d]", i), "a photo is an https:// address or an uploaded /media/ path")
		}
	}
	var line Line
	for _, l := range o.Lines {
		if l.ID == lineID {
			line = l
		}
	}
	r := Review{ID: id.New(), OrderID: o.ID, LineID: lineID, ProductID: line.ProductID, ShopID: o.ShopID, BuyerID: actor.AccountID,
		Title: line.Title, Rating: in.Rating, Body: in.Body, Photos: in.Photos, Status: ReviewPublished, CreatedAt: now}
	photos := ""
	if len(in.Photos) > 0 {
		b, _ := json.Marshal(in.Photos)
		photos = string(b)
	}
	_, err = s.change(ctx, o.ID, anyone, func(tx *db.Tx, o *Order) error {
		var before int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reviews WHERE order_line_id = $1`, lineID).Scan(&before); err != nil {
			return err
		}
		r.First = before == 0
		if _, err := tx.ExecContext(ctx, `INSERT INTO reviews (id, order_line_id, order_id, product_id, shop_id, buyer_id, rating, body, photos,
			first, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			r.ID, r.LineID, r.OrderID, r.ProductID, r.ShopID, r.BuyerID, r.Rating, r.Body, photos, r.First, string(r.Status), db.Micros(now)); err != nil {
			return fmt.Errorf("order: insert review: %w", err)
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("review", r.ID), events.ReviewCreated{ReviewID: r.ID, OrderID: r.OrderID,
			LineID: r.LineID, ProductID: r.ProductID, ShopID: r.ShopID, Rating: r.Rating, First: r.First, DeliveredAt: o.DeliveredAt, At: now})
	})
	if err != nil {
		return Review{}, err
	}
	return r, nil
}

// ReplyToReview posts the shop's one public reply to a review.
func (s *Service) ReplyToReview(ctx context.Context, actor auth.Actor, reviewID id.ID, reply string) (Review, error) {
	reply, err := cleanText("reply", reply, true, 1000)
	if err != nil {
		return Review{}, err
	}
	r, err := loadReview(ctx, s.db, reviewID)
	if err != nil {
		return Review{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, r.ShopID); err != nil {
		return Review{}, ErrReviewNotFound
	}
	now := s.now().UTC()
	res, err := s.db.ExecContext(ctx, `UPDATE reviews SET seller_reply = $1, seller_replied_at = $2 WHERE id = $3 AND seller_reply = ''`,
		reply, db.Micros(now), reviewID)
	if err != nil {
		return Review{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Review{}, ErrAlreadyReplied
	}
	return loadReview(ctx, s.db, reviewID)
}

// ModerateReview hides a review that breaks the rules, or shows it again. A hidden
// review no longer counts toward the shop's negative review rate.
func (s *Service) ModerateReview(ctx context.Context, actor auth.Actor, reviewID id.ID, status ReviewStatus, note string) (Review, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Review{}, err
	}
	if status != ReviewPublished && status != ReviewHidden {
		return Review{}, errs.Invalidf("status", "status is published or hidden")
	}
	note, err := cleanText("note", note, status == ReviewHidden, 500)
	if err != nil {
		return Review{}, err
	}
	r, err := loadReview(ctx, s.db, reviewID)
	if err != nil {
		return Review{}, err
	}
	if r.Status == status {
		return r, nil
	}
	now := s.now().UTC()
	var deliveredAt int64
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reviews SET status = $1, moderation_note = $2 WHERE id = $3 AND status = $4`,
			string(status), note, reviewID, string(r.Status))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConcurrentChange
		}
		if err := tx.QueryRowContext(ctx, `SELECT delivered_at FROM orders WHERE id = $1`, r.OrderID).Scan(&deliveredAt); err != nil {
			return err
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("review", r.ID), events.ReviewModerated{ReviewID: r.ID, OrderID: r.OrderID,
			LineID: r.LineID, ProductID: r.ProductID, ShopID: r.ShopID, Rating: r.Rating, First: r.First, Hidden: status == ReviewHidden,
			DeliveredAt: db.Time(deliveredAt), At: now})
	})
	if err != nil {
		return Review{}, err
	}
	return loadReview(ctx, s.db, reviewID)
}

// RatingSummary is a product's published reviews at a glance.
type RatingSummary struct {
	Count int64 `json:"count"`
	// AverageX10 is the mean rating times ten (43 is 4.3 stars), kept whole.
	AverageX10 int64    `json:"average_x10"`
	ByStars    [5]int64 `json:"by_stars"` // ByStars[0] is one-star reviews
}

// Average renders the mean rating: "4.3".
func (s RatingSummary) Average() string {
	return fmt.Sprintf("%d.%d", s.AverageX10/10, s.AverageX10%10)
}

// ProductReviews lists a product's published reviews, newest first, with a summary.
func (s *Service) ProductReviews(ctx context.Context, productID id.ID, limit int) ([]Review, RatingSummary, error) {
	var sum RatingSummary
	rows, err := s.db.QueryContext(ctx, `SELECT rating, COUNT(*) FROM reviews WHERE product_id = $1 AND status = 'published' GROUP BY rating`, productID)
	if err != nil {
		return nil, sum, err
	}
	var total int64
	for rows.Next() {
		var rating int
		var n int64
		if err := rows.Scan(&rating, &n); err != nil {
			rows.Close()
			return nil, sum, err
		}
		sum.ByStars[rating-1] = n
		sum.Count += n
		total += int64(rating) * n
	}
	rows.Close()
	if sum.Count > 0 {
		sum.AverageX10 = (total*10 + sum.Count/2) / sum.Count
	}
	rs, err := loadReviews(ctx, s.db, `WHERE r.product_id = $1 AND r.status = 'published' ORDER BY r.id DESC LIMIT $2`, productID, limit)
	return rs, sum, err
}

// ShopReviews lists a shop's reviews, newest first, for its seller.
func (s *Service) ShopReviews(ctx context.Context, actor auth.Actor, shopID id.ID, limit int) ([]Review, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return loadReviews(ctx, s.db, `WHERE r.shop_id = $1 ORDER BY r.id DESC LIMIT $2`, shopID, limit)
}

// ReviewsOfOrder lists the reviews of an order, for whoever may see the order.
func (s *Service) ReviewsOfOrder(ctx context.Context, actor auth.Actor, orderID id.ID) ([]Review, error) {
	if _, err := s.Get(ctx, actor, orderID); err != nil {
		return nil, err
	}
	return loadReviews(ctx, s.db, `WHERE r.order_id = $1 ORDER BY r.id`, orderID)
}

// ReviewQueue lists reviews for operators, newest first: low ratings first come to
// attention, so the queue can be narrowed to ratings at most maxRating.
func (s *Service) ReviewQueue(ctx context.Context, actor auth.Actor, maxRating int, limit int) ([]Review, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	if maxRating < 1 || maxRating > 5 {
		maxRating = 5
	}
	return loadReviews(ctx, s.db, `WHERE r.rating <= $1 ORDER BY r.id DESC LIMIT $2`, maxRating, limit)
}

func loadReviews(ctx context.Context, q db.Querier, where string, args ...any) ([]Review, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.order_id, r.order_line_id, r.product_id, r.shop_id, r.buyer_id, a.display_name, l.title,
		r.rating, r.body, r.photos, r.first, r.status, r.seller_reply, r.seller_replied_at, r.moderation_note, r.created_at
		FROM reviews r JOIN accounts a ON a.id = r.buyer_id JOIN order_lines l ON l.id = r.order_line_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("order: load reviews: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		var name, photos string
		var replied, created int64
		if err := rows.Scan(&r.ID, &r.OrderID, &r.LineID, &r.ProductID, &r.ShopID, &r.BuyerID, &name, &r.Title, &r.Rating, &r.Body,
			&photos, &r.First, &r.Status, &r.SellerReply, &replied, &r.ModerationNote, &created); err != nil {
			return nil, err
		}
		r.BuyerName = publicName(name)
		if photos != "" {
			_ = json.Unmarshal([]byte(photos), &r.Photos)
		}
		r.SellerRepliedAt, r.CreatedAt = db.Time(replied), db.Time(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

func loadReview(ctx context.Context, q db.Querier, reviewID id.ID) (Review, error) {
	rs, err := loadReviews(ctx, q, `WHERE r.id = $1`, reviewID)
	if err != nil {
		return Review{}, err
	}
	if len(rs) == 0 {
		return Review{}, ErrReviewNotFound
	}
	return rs[0], nil
}
