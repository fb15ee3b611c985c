package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client calls a TikTok-Shop-compatible Partner API the way TikTok's SDKs do: common
// parameters (app_key, timestamp) and the sign in the query, the access token in
// x-tts-access-token, a JSON body. liveshop's benchmark and tests use it; it works
// against TikTok Shop too.
type Client struct {
	BaseURL     string
	AppKey      string
	AppSecret   string
	AccessToken string
	HTTP        *http.Client
	// Now is the clock the timestamp comes from; time.Now when nil.
	Now func() time.Time
}

// Response is an answer in the envelope, with the HTTP status and raw bytes.
type Response struct {
	Status    int
	Code      int             `json:"code"`
	Message   string          `json:"message"`
	RequestID string          `json:"request_id"`
	Data      json.RawMessage `json:"data"`
	Raw       []byte          `json:"-"`
}

// Do signs and sends one call. body may be nil, a []byte sent as is, or a value
// encoded as JSON.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any) (Response, error) {
	req, err := c.Request(ctx, method, path, query, body)
	if err != nil {
		return Response{}, err
	}
	return c.send(req)
}

// Request builds a signed request without sending it.
func (c *Client) Request(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	for k, vs := range query {
		q[k] = append([]string(nil), vs...)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	q.Set("app_key", c.AppKey)
	q.Set("timestamp", strconv.FormatInt(now().Unix(), 10))
	q.Set("sign", Sign(c.AppSecret, path, q, raw))
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path+"?"+q.Encode(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.AccessToken != "" {
		req.Header.Set("x-tts-access-token", c.AccessToken)
	}
	return req, nil
}

func (c *Client) send(req *http.Request) (Response, error) {
	h := c.HTTP
	if h == nil {
		h = http.DefaultClient
	}
	resp, err := h.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	out := Response{Status: resp.StatusCode, Raw: raw}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("openapi client: %s %s answered HTTP %d without an envelope: %.200s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return out, nil
}

// Token exchanges an authorization code (grant "authorized_code") or refreshes a
// token (grant "refresh_token") at the token endpoints.
func (c *Client) Token(ctx context.Context, grant, value string) (Response, error) {
	q := url.Values{"app_key": {c.AppKey}, "app_secret": {c.AppSecret}, "grant_type": {grant}}
	path := "/api/v2/token/get"
	if grant == "refresh_token" {
		path = "/api/v2/token/refresh"
		q.Set("refresh_token", value)
	} else {
		q.Set("auth_code", value)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path+"?"+q.Encode(), nil)
	if err != nil {
		return Response{}, err
	}
	return c.send(req)
}
