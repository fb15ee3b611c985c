package openapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// Sign computes a request signature exactly as TikTok Shop does: hex HMAC-SHA256,
// keyed by the app secret, over
//
//	secret + path + key1 + value1 + key2 + value2 ... + body + secret
//
// with the query parameters sorted by key, sign and access_token left out, and the
// body left out when it is empty or multipart. A parameter given more than once
// contributes its values joined by commas, which is how TikTok's SDKs (JavaScript
// arrays stringified) sign lists such as ids.
func Sign(secret, path string, query url.Values, body []byte) string {
	keys := make([]string, 0, len(query))
	for k := range query {
		if k == "sign" || k == "access_token" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(secret))
	mac.Write([]byte(path))
	for _, k := range keys {
		mac.Write([]byte(k))
		mac.Write([]byte(strings.Join(query[k], ",")))
	}
	mac.Write(body)
	mac.Write([]byte(secret))
	return hex.EncodeToString(mac.Sum(nil))
}

// verifySign reports whether sign is the signature of the request. A body that is an
// empty JSON object is also accepted as signed without it: TikTok's Node SDK leaves an
// empty object out of the signature but still sends "{}".
func verifySign(secret, path string, query url.Values, body []byte, sign string) bool {
	got, err := hex.DecodeString(sign)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	want, _ := hex.DecodeString(Sign(secret, path, query, body))
	if hmac.Equal(got, want) {
		return true
	}
	if bytes.Equal(bytes.TrimSpace(body), []byte("{}")) {
		want, _ = hex.DecodeString(Sign(secret, path, query, nil))
		return hmac.Equal(got, want)
	}
	return false
}

// signedBody is the body as it enters the signature: none for multipart uploads,
// whose bytes TikTok leaves out.
func signedBody(contentType string, body []byte) []byte {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "multipart/") {
		return nil
	}
	return body
}

// WebhookSignature is the value of the Authorization header on a webhook delivery,
// as TikTok Shop signs them: hex HMAC-SHA256 keyed by the app secret over the app key
// followed by the raw body. Receivers verify it against the bytes they received.
func WebhookSignature(appKey, secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(appKey))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
