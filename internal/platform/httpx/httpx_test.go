package httpx

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

type input struct {
	Name     string `json:"name"`
	Quantity int64  `json:"quantity"`
	SKU      id.ID  `json:"sku_id"`
}

func TestDecodeRefusals(t *testing.T) {
	tests := []struct {
		name, body string
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"ok", `{"name":"a","quantity":2,"sku_id":"12"}`, 200, "", ""},
		{"empty", ``, 400, "malformed_json", ""},
		{"syntax", `{"name":`, 400, "malformed_json", ""},
		{"unknown field", `{"name":"a","colour":"red"}`, 400, "unknown_field", "colour"},
		{"wrong type", `{"quantity":"two"}`, 400, "invalid_field", "quantity"},
		{"trailing data", `{"name":"a"} {"name":"b"}`, 400, "malformed_json", ""},
		{"bad id", `{"sku_id":"abc"}`, 400, "malformed_json", ""},
		{"too large", `{"name":"` + strings.Repeat("x", MaxBody) + `"}`, 413, "body_too_large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var in input
				if err := Decode(w, r, &in); err != nil {
					WriteError(w, r, err)
					return
				}
				WriteJSON(w, 200, in)
			})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(tt.body)))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantCode == "" {
				return
			}
			var body ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Code != tt.wantCode || body.Field != tt.wantField || body.Message == "" {
				t.Fatalf("body %+v, want code %q field %q", body, tt.wantCode, tt.wantField)
			}
		})
	}
}

func TestStatusForEveryKind(t *testing.T) {
	want := map[errs.Kind]int{
		errs.Internal: 500, errs.Invalid: 400, errs.Unauthenticated: 401, errs.Forbidden: 403,
		errs.NotFound: 404, errs.Conflict: 409, errs.Rule: 422, errs.PaymentFailed: 402,
		errs.TooMany: 429, errs.Unavailable: 503, errs.TooLarge: 413,
	}
	for k, s := range want {
		if got := Status(k); got != s {
			t.Errorf("Status(%s) = %d, want %d", k, got, s)
		}
	}
}

func TestMiddlewareTurnsPanicInto500WithRequestID(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	srv := httptest.NewServer(Middleware(mux, slog.New(slog.DiscardHandler), NewMetrics(prometheus.NewRegistry())))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body ErrorBody
	json.Unmarshal(b, &body)
	if resp.StatusCode != 500 || body.Code != "internal" || body.RequestID == "" || strings.Contains(string(b), "kaboom") {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if resp.Header.Get("X-Request-Id") != body.RequestID {
		t.Fatalf("request id header %q != body %q", resp.Header.Get("X-Request-Id"), body.RequestID)
	}
}
