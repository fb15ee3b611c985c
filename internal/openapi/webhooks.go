package openapi

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/liveshop/liveshop/internal/order"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// Webhooks reach apps as TikTok Shop sends them: a JSON POST of
//
//	{"type": 1, "tts_notification_id": "...", "shop_id": "...", "timestamp": 1700000000, "data": {...}}
//
// with the Authorization header holding WebhookSignature(app key, app secret, body).
// A consumer of the outbox turns domain events into one delivery per app that holds
// the shop (and the scope the event needs), in the same transaction that records the
// event as handled, so every event reaches every app at least once. The deliverer
// posts due deliveries, retries failures with doubling backoff, and after
// WebhookMaxAttempts sets a delivery aside as dead; the developer console lists dead
// deliveries and redelivers them by hand. Receivers deduplicate by
// tts_notification_id, which stays the same across retries.

// Event types, TikTok's names; their numbers are the payload's "type".
const (
	EventOrderStatusChange     = "ORDER_STATUS_CHANGE"
	EventPackageUpdate         = "PACKAGE_UPDATE"
	EventProductStatusChange   = "PRODUCT_STATUS_CHANGE"
	EventSellerDeauthorization = "SELLER_DEAUTHORIZATION"

	EventCancellationStatusChange = "CANCELLATION_STATUS_CHANGE"
	EventReturnStatusChange       = "RETURN_STATUS_CHANGE"
)

// eventTypes lists the event types a shop can subscribe to (TikTok's list, so
// integrators' set-up calls succeed) with their payload number and whether liveshop
// delivers them yet.
var eventTypes = map[string]struct {
	Number    int
	Delivered bool
}{
	EventOrderStatusChange:              {1, true},
	"REVERSE_STATUS_UPDATE":             {2, false},
	"RECIPIENT_ADDRESS_UPDATE":          {3, false},
	EventPackageUpdate:                  {4, true},
	EventProductStatusChange:            {5, true},
	EventSellerDeauthorization:          {6, true},
	"UPCOMING_AUTHORIZATION_EXPIRATION": {7, false},
	EventCancellationStatusChange:       {11, true},
	EventReturnStatusChange:             {12, true},
	"NEW_CONVERSATION":                  {13, false},
	"NEW_MESSAGE":                       {14, false},
	"PRODUCT_INFORMATION_CHANGE":        {15, false},
	"PRODUCT_CREATION":                  {16, false},
	"PRODUCT_CATEGORY_CHANGE":           {17, false},
	"NEW_MESSAGE_LISTENER":              {18, false},
	"INVOICE_STATUS_CHANGE":             {19, false},
	"PRODUCT_AUDIT_STATUS_CHANGE":       {20, false},
}

// eventScope is the scope an app needs to receive an event type.
var eventScope = map[string]string{
	EventOrderStatusChange:        "seller.order.info",
	EventPackageUpdate:            "seller.fulfillment.basic",
	EventCancellationStatusChange: "seller.order.info",
	EventReturnStatusChange:       "seller.order.info",
	EventProductStatusChange:      "seller.product.basic",
}

const consumerName = "openapi.webhooks"

// Subscribe registers the webhook consumer on the bus.
func (s *Service) Subscribe(b bus.Bus) error {
	return b.Subscribe(consumerName, []string{events.TopicOrderPaid, events.TopicOrderShipped, events.TopicOrderDelivered,
		events.TopicOrderCompleted, events.TopicOrderCancelled, events.TopicProductCreated, events.TopicProductStatusChanged, events.TopicReturnUpdated}, s.handleEvent)
}

// notice is one webhook event a platform event turns into.
type notice struct {
	eventType string
	data      map[string]any
}

func (s *Service) handleEvent(ctx context.Context, e bus.Event) error {
	var shopID id.ID
	var notices []notice
	switch e.Topic {
	case events.TopicProductCreated:
		ev, err := bus.Decode[events.ProductCreated](e)
		if err != nil {
			return err
		}
		shopID = ev.ShopID
		notices = append(notices, notice{EventProductStatusChange, map[string]any{"product_id": ev.ProductID.String(),
			"status": productStatus(catalog.Status(ev.Status)), "update_time": ev.At.Unix()}})
	case events.TopicProductStatusChanged:
		ev, err := bus.Decode[events.ProductStatusChanged](e)
		if err != nil {
			return err
		}
		shopID = ev.ShopID
		notices = append(notices, productStatusNotice(ev))
	case events.TopicReturnUpdated:
		ev, err := bus.Decode[events.ReturnUpdated](e)
		if err != nil {
			return err
		}
		shopID = ev.ShopID
		// A buyer's cancellation request is TikTok's cancellation; the rest are returns.
		// States and types read as the return_refund family's searches show them.
		r := order.Return{Kind: order.ReturnKind(ev.Kind), Status: order.ReturnStatus(ev.Status)}
		if ev.Kind == "cancel" {
			notices = append(notices, notice{EventCancellationStatusChange, map[string]any{"order_id": ev.OrderID.String(),
				"return_id": ev.ReturnID.String(), "return_type": "BUYER_CANCEL", "cancellation_status": cancelStatusOf(r), "update_time": ev.At.Unix()}})
		} else {
			typ := "REFUND"
			if r.Kind == order.ReturnAndRefund {
				typ = "RETURN_AND_REFUND"
			}
			notices = append(notices, notice{EventReturnStatusChange, map[string]any{"order_id": ev.OrderID.String(),
				"return_id": ev.ReturnID.String(), "return_type": typ, "return_status": returnStatusOf(r), "update_time": ev.At.Unix()}})
		}
	default:
		// Every order event carries the order snapshot after its change.
		var ev struct {
			events.Order
			At time.Time `json:"at"`
		}
		if err := json.Unmarshal(e.Payload, &ev); err != nil {
			return fmt.Errorf("openapi: decode %s %d: %w", e.Topic, e.ID, err)
		}
		shopID = ev.ShopID
		notices = append(notices, notice{EventOrderStatusChange, map[string]any{"order_id": ev.OrderID.String(), "order_status": ev.Status,
			"is_on_hold_order": ev.Status == "ON_HOLD", "update_time": ev.At.Unix()}})
		switch e.Topic {
		case events.TopicOrderShipped, events.TopicOrderDelivered:
			notices = append(notices, notice{EventPackageUpdate, map[string]any{"order_id": ev.OrderID.String(),
				"package_status": map[string]string{events.TopicOrderShipped: "SHIPPED", events.TopicOrderDelivered: "DELIVERED"}[e.Topic],
				"update_time":    ev.At.Unix()}})
		case events.TopicOrderCancelled:
			notices = append(notices, notice{EventCancellationStatusChange, map[string]any{"order_id": ev.OrderID.String(),
				"cancellation_status": "CANCELLATION_REQUEST_COMPLETE", "update_time": ev.At.Unix()}})
		}
	}
	return outbox.Consume(ctx, s.DB, consumerName, e, func(tx *db.Tx) error {
		for _, n := range notices {
			targets, err := s.targets(ctx, tx, shopID, n.eventType)
			if err != nil {
				return err
			}
			if err := s.queueDeliveries(ctx, tx, targets, n.eventType, n.data, s.now().UTC()); err != nil {
				return err
			}
		}
		return nil
	})
}

// target is an app to tell about an event in a shop, and where.
type target struct {
	app     App
	grantID id.ID
	shopID  id.ID
	address string
}

// targets finds, in the caller's transaction, every app currently authorized for the
// shop with the event's scope, and the address each wants it at: the shop's own
// subscription if it set one through the API, else the app's webhook URL.
func (s *Service) targets(ctx context.Context, q db.Querier, shopID id.ID, eventType string) ([]target, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.scopes, COALESCE(w.address, ''), a.`+joinColumns(appColumns)+`
		FROM openapi_grant_shops gs JOIN openapi_grants g ON g.id = gs.grant_id JOIN openapi_apps a ON a.id = g.app_id
		LEFT JOIN openapi_webhooks w ON w.grant_id = g.id AND w.shop_id = gs.shop_id AND w.event_type = $2
		WHERE gs.shop_id = $1 AND gs.revoked_at = 0 AND g.revoked_at = 0 ORDER BY a.id`, shopID, eventType)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []target
	for rows.Next() {
		var t target
		var scopes string
		var a App
		var redirects, appScopes string
		var created, rotated int64
		if err := rows.Scan(&t.grantID, &scopes, &t.address, &a.ID, &a.OwnerID, &a.Name, &a.Key, &a.secret, &redirects, &appScopes,
			&a.WebhookURL, &a.RateLimitQPS, &created, &rotated); err != nil {
			return nil, err
		}
		a.RedirectURLs, a.Scopes = decodeList(redirects), decodeList(appScopes)
		t.app, t.shopID = a, shopID
		if need := eventScope[eventType]; need != "" && !contains(effectiveScopes(a, Grant{Scopes: decodeList(scopes)}), need) {
			continue
		}
		if t.address == "" {
			t.address = a.WebhookURL
		}
		if t.address != "" {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}

// joinColumns prefixes each of a column list's names with the table alias "a.".
func joinColumns(cols string) string {
	var b bytes.Buffer
	for i, c := range bytes.Split([]byte(cols), []byte(",")) {
		if i > 0 {
			b.WriteString(", a.")
		}
		b.Write(bytes.TrimSpace(c))
	}
	return b.String()
}

// queueDeliveries records one delivery per target in the caller's transaction.
func (s *Service) queueDeliveries(ctx context.Context, tx *db.Tx, targets []target, eventType string, data map[string]any, now time.Time) error {
	for _, t := range targets {
		if t.address == "" {
			continue
		}
		did := id.New()
		payload, err := json.Marshal(map[string]any{"type": eventTypes[eventType].Number, "tts_notification_id": did.String(),
			"shop_id": t.shopID.String(), "timestamp": now.Unix(), "data": data})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO openapi_deliveries (id, app_id, shop_id, event_type, address, payload, status, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)`, did, t.app.ID, t.shopID, eventType, t.address, string(payload), db.Micros(now)); err != nil {
			return err
		}
	}
	if len(targets) > 0 {
		tx.AfterCommit(s.Wake)
	}
	return nil
}

// Wake tells the deliverer there is something to deliver now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) deliverLoop(ctx context.Context) {
	t := time.NewTicker(s.WebhookPoll)
	defer t.Stop()
	for {
		if _, err := s.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("openapi: webhook delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

type due struct {
	id       id.ID
	appKey   string
	secret   string
	address  string
	payload  string
	attempts int
	next     int64
}

// DeliverDue makes one attempt at every delivery that is due, a few at a time, and
// returns how many succeeded. Each delivery is claimed first (its next attempt moved
// past the attempt's timeout), so two nodes never post the same attempt.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.DB.QueryContext(ctx, `SELECT d.id, a.app_key, a.app_secret, d.address, d.payload, d.attempts, d.next_attempt_at
		FROM openapi_deliveries d JOIN openapi_apps a ON a.id = d.app_id
		WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at LIMIT 100`, db.Micros(now))
	if err != nil {
		return 0, err
	}
	var batch []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.appKey, &d.secret, &d.address, &d.payload, &d.attempts, &d.next); err != nil {
			rows.Close()
			return 0, err
		}
		batch = append(batch, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	var firstErr error
	sem := make(chan struct{}, 8)
	for _, d := range batch {
		lease := db.Micros(now.Add(2 * s.WebhookTimeout))
		res, err := s.DB.ExecContext(ctx, `UPDATE openapi_deliveries SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3`,
			lease, d.id, d.next)
		if err != nil {
			return ok, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // another node took it
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			delivered, err := s.attempt(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			if delivered {
				ok++
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait()
	return ok, firstErr
}

// attempt posts one delivery and records the outcome: delivered, retried later, or
// dead after the last attempt.
func (s *Service) attempt(ctx context.Context, d due) (bool, error) {
	body := []byte(d.payload)
	actx, cancel := context.WithTimeout(ctx, s.WebhookTimeout)
	defer cancel()
	status, failure := 0, ""
	req, err := http.NewRequestWithContext(actx, http.MethodPost, d.address, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", WebhookSignature(d.appKey, d.secret, body))
		req.Header.Set("User-Agent", "liveshop-webhooks/1")
		var resp *http.Response
		resp, err = s.client.Do(req)
		if err == nil {
			status = resp.StatusCode
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if status < 200 || status > 299 {
				failure = fmt.Sprintf("the receiver answered HTTP %d", status)
			}
		}
	}
	if err != nil {
		failure = err.Error()
	}
	now := s.now()
	attempts := d.attempts + 1
	if failure == "" {
		s.metrics.deliveries.WithLabelValues("delivered").Inc()
		_, err := s.DB.ExecContext(ctx, `UPDATE openapi_deliveries SET status = 'delivered', attempts = $1, last_status = $2, last_error = '',
			delivered_at = $3 WHERE id = $4`, attempts, status, db.Micros(now), d.id)
		return err == nil, err
	}
	if attempts >= s.WebhookMaxAttempts {
		s.metrics.deliveries.WithLabelValues("dead").Inc()
		s.Log.Warn("openapi: webhook dead-lettered", "delivery", d.id, "attempts", attempts, "err", failure)
		_, err := s.DB.ExecContext(ctx, `UPDATE openapi_deliveries SET status = 'dead', attempts = $1, last_status = $2, last_error = $3
			WHERE id = $4`, attempts, status, truncate(failure, 1000), d.id)
		return false, err
	}
	s.metrics.deliveries.WithLabelValues("retry").Inc()
	_, err = s.DB.ExecContext(ctx, `UPDATE openapi_deliveries SET attempts = $1, last_status = $2, last_error = $3, next_attempt_at = $4
		WHERE id = $5`, attempts, status, truncate(failure, 1000), db.Micros(now.Add(WebhookBackoff(attempts))), d.id)
	return false, err
}

// WebhookBackoff is the wait after the nth failed attempt: 1 s doubling, capped at
// 30 minutes.
func WebhookBackoff(attempt int) time.Duration {
	d := time.Second
	for i := 1; i < attempt && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// Delivery is a webhook delivery as the console lists it.
type Delivery struct {
	ID            id.ID
	ShopID        id.ID
	EventType     string
	Address       string
	Payload       string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// Deliveries lists an app's webhook deliveries, newest first; status "" for all, or
// "pending", "delivered", "dead".
func (s *Service) Deliveries(ctx context.Context, actor auth.Actor, appID id.ID, status string, limit int) ([]Delivery, error) {
	a, err := s.App(ctx, actor, appID)
	if err != nil {
		return nil, err
	}
	where, args := `app_id = $1`, []any{a.ID}
	if status != "" {
		where, args = where+` AND status = $2`, append(args, status)
	}
	args = append(args, limit)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, shop_id, event_type, address, payload, status, attempts, next_attempt_at, last_status, last_error,
		created_at, delivered_at FROM openapi_deliveries WHERE `+where+fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var next, created, delivered int64
		if err := rows.Scan(&d.ID, &d.ShopID, &d.EventType, &d.Address, &d.Payload, &d.Status, &d.Attempts, &next, &d.LastStatus, &d.LastError,
			&created, &delivered); err != nil {
			return nil, err
		}
		d.NextAttemptAt, d.CreatedAt, d.DeliveredAt = db.Time(next), db.Time(created), db.Time(delivered)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Redeliver puts a dead delivery back in the queue with a fresh count of attempts.
func (s *Service) Redeliver(ctx context.Context, actor auth.Actor, appID, deliveryID id.ID) error {
	a, err := s.App(ctx, actor, appID)
	if err != nil {
		return err
	}
	var status string
	err = s.DB.QueryRowContext(ctx, `SELECT status FROM openapi_deliveries WHERE id = $1 AND app_id = $2`, deliveryID, a.ID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrDeliveryNotFound
	}
	if err != nil {
		return err
	}
	if status != "dead" {
		return ErrNotDead
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE openapi_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1
		WHERE id = $2 AND status = 'dead'`, db.Micros(s.now()), deliveryID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotDead
	}
	s.Wake()
	return nil
}
