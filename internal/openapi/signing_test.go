package openapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"testing"
	"time"
)

// hmacHex is the textbook computation the signature must equal.
func hmacHex(secret, input string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(input))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignIsTikToksAlgorithm(t *testing.T) {
	const secret = "e59af819cc"
	cases := []struct {
		name  string
		path  string
		query url.Values
		body  string
		input string // what TikTok's documentation says is signed, between the secrets
	}{
		{"query sorted, sign and access_token left out", "/order/202309/orders/search",
			url.Values{"timestamp": {"1696909648"}, "app_key": {"68xu9ks5p4i8"}, "shop_cipher": {"ROW_x"}, "page_size": {"20"}, "sign": {"abc"}, "access_token": {"tok"}},
			`{"order_status":"UNPAID"}`,
			`/order/202309/orders/searchapp_key68xu9ks5p4i8page_size20shop_cipherROW_xtimestamp1696909648{"order_status":"UNPAID"}`},
		{"no body", "/authorization/202309/shops", url.Values{"app_key": {"k"}, "timestamp": {"1"}}, "",
			`/authorization/202309/shopsapp_keyktimestamp1`},
		{"repeated parameter joined by commas", "/order/202309/orders", url.Values{"app_key": {"k"}, "ids": {"1", "2"}, "timestamp": {"1"}}, "",
			`/order/202309/ordersapp_keykids1,2timestamp1`},
		{"values are signed decoded", "/event/202309/webhooks", url.Values{"app_key": {"k"}, "q": {"a b&c"}, "timestamp": {"1"}}, "",
			`/event/202309/webhooksapp_keykqa b&ctimestamp1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := hmacHex(secret, secret+tc.input+secret)
			if got := Sign(secret, tc.path, tc.query, []byte(tc.body)); got != want {
				t.Fatalf("sign %s, want %s", got, want)
			}
			if !verifySign(secret, tc.path, tc.query, []byte(tc.body), want) {
				t.Fatal("verifySign refused the right signature")
			}
			if verifySign("other", tc.path, tc.query, []byte(tc.body), want) || verifySign(secret, tc.path+"x", tc.query, []byte(tc.body), want) {
				t.Fatal("verifySign accepted a wrong secret or path")
			}
		})
	}
}

func TestVerifySignEdges(t *testing.T) {
	q := url.Values{"app_key": {"k"}, "timestamp": {"1"}}
	// TikTok's Node SDK leaves an empty object out of the signature but sends "{}".
	if !verifySign("s", "/p", q, []byte("{}"), Sign("s", "/p", q, nil)) {
		t.Fatal("an empty object signed as no body was refused")
	}
	if !verifySign("s", "/p", q, []byte(" {} "), Sign("s", "/p", q, []byte(" {} "))) {
		t.Fatal("an empty object signed with the body was refused")
	}
	if verifySign("s", "/p", q, []byte(`{"a":1}`), Sign("s", "/p", q, nil)) {
		t.Fatal("a non-empty body signed as none was accepted")
	}
	for _, bad := range []string{"", "zz", "abcd", Sign("s", "/p", q, nil) + "00"} {
		if verifySign("s", "/p", q, nil, bad) {
			t.Fatalf("accepted %q", bad)
		}
	}
	// Upper-case hex is the same signature.
	upper := []byte(Sign("s", "/p", q, nil))
	for i, c := range upper {
		if c >= 'a' && c <= 'f' {
			upper[i] = c - 32
		}
	}
	if !verifySign("s", "/p", q, nil, string(upper)) {
		t.Fatal("upper-case hex refused")
	}
	if got := signedBody("multipart/form-data; boundary=x", []byte("file")); got != nil {
		t.Fatalf("multipart body signed: %q", got)
	}
	if got := signedBody("application/json", []byte("{}")); string(got) != "{}" {
		t.Fatalf("json body not signed: %q", got)
	}
}

func TestWebhookSignature(t *testing.T) {
	body := []byte(`{"type":1,"shop_id":"7"}`)
	if got, want := WebhookSignature("appkey", "secret", body), hmacHex("secret", "appkey"+string(body)); got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

func TestRateLimiterBucket(t *testing.T) {
	l := newLimiter()
	now := time.Unix(1000, 0)
	for i := 0; i < 5; i++ {
		if !l.allow(1, 5, now) {
			t.Fatalf("call %d of a full bucket refused", i)
		}
	}
	if l.allow(1, 5, now) {
		t.Fatal("sixth call in the same instant allowed at 5/s")
	}
	if !l.allow(2, 5, now) {
		t.Fatal("another app's bucket is its own")
	}
	if !l.allow(1, 5, now.Add(200*time.Millisecond)) || l.allow(1, 5, now.Add(200*time.Millisecond)) {
		t.Fatal("a fifth of a second refills exactly one call at 5/s")
	}
	if l.allow(1, 0, now.Add(time.Hour)) {
		t.Fatal("a zero rate allows nothing")
	}
}

func TestPageTokensRoundTrip(t *testing.T) {
	tok := encodeToken(1795285784000000, 382598475415552001)
	k, v, err := decodeToken(tok)
	if err != nil || k != 1795285784000000 || v != 382598475415552001 {
		t.Fatalf("%d %d %v", k, v, err)
	}
	for _, bad := range []string{"!!", "bm9wZQ", encodeToken(1, 0)} {
		if _, _, err := decodeToken(bad); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func TestWebhookBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := WebhookBackoff(i + 1); got != w {
			t.Fatalf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
	if WebhookBackoff(40) != 30*time.Minute {
		t.Fatal("backoff is capped at 30 minutes")
	}
}
