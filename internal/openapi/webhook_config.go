package openapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/db"
)

// The event family: a shop's webhook subscriptions for this app, one address per
// event type. Without one, deliveries go to the app's webhook URL from the console.

type webhookView struct {
	Address    string `json:"address"`
	EventType  string `json:"event_type"`
	CreateTime int64  `json:"create_time"`
	UpdateTime int64  `json:"update_time"`
}

// GET /event/202309/webhooks
func (s *Service) getWebhooks(c *call) (any, error) {
	rows, err := s.DB.QueryContext(c.ctx, `SELECT address, event_type, created_at, updated_at FROM openapi_webhooks
		WHERE grant_id = $1 AND shop_id = $2 ORDER BY event_type`, c.grant.ID, c.shopID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []webhookView{}
	for rows.Next() {
		var w webhookView
		var created, updated int64
		if err := rows.Scan(&w.Address, &w.EventType, &created, &updated); err != nil {
			return nil, err
		}
		w.CreateTime, w.UpdateTime = db.Time(created).Unix(), db.Time(updated).Unix()
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return map[string]any{"webhooks": out, "total_count": len(out)}, nil
}

func checkEventType(v string) error {
	if v == "" {
		return invalid("event_type", "required")
	}
	if _, ok := eventTypes[v]; !ok {
		names := make([]string, 0, len(eventTypes))
		for k := range eventTypes {
			names = append(names, k)
		}
		sort.Strings(names)
		return invalid("event_type", "unknown event type %q; one of %s", v, strings.Join(names, ", "))
	}
	return nil
}

// PUT /event/202309/webhooks
func (s *Service) putWebhook(c *call) (any, error) {
	var b struct {
		Address   string `json:"address"`
		EventType string `json:"event_type"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if err := checkEventType(b.EventType); err != nil {
		return nil, err
	}
	b.Address = strings.TrimSpace(b.Address)
	if b.Address == "" {
		return nil, invalid("address", "required")
	}
	if err := checkURL(b.Address, 255); err != nil {
		return nil, invalid("address", "%s", err)
	}
	now := db.Micros(s.now())
	_, err := s.DB.ExecContext(c.ctx, `INSERT INTO openapi_webhooks (grant_id, shop_id, event_type, address, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (grant_id, shop_id, event_type) DO UPDATE SET address = $4, updated_at = $5`,
		c.grant.ID, c.shopID, b.EventType, b.Address, now)
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// DELETE /event/202309/webhooks
func (s *Service) deleteWebhook(c *call) (any, error) {
	var b struct {
		EventType string `json:"event_type"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if err := checkEventType(b.EventType); err != nil {
		return nil, err
	}
	res, err := s.DB.ExecContext(c.ctx, `DELETE FROM openapi_webhooks WHERE grant_id = $1 AND shop_id = $2 AND event_type = $3`,
		c.grant.ID, c.shopID, b.EventType)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fail(http.StatusNotFound, CodeNotFound, "the shop has no %s webhook for this app", b.EventType)
	}
	return struct{}{}, nil
}
