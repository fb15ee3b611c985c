// Package openapi is liveshop's Partner Open API: the TikTok-Shop-compatible surface
// that ERPs, order managers and sync tools call with the same paths, signatures and
// JSON shapes they use against TikTok Shop, so that pointing one at liveshop means
// changing a base URL, an app key and a secret.
//
// It owns developer apps (key, secret, redirect URLs, scopes, webhook URL), the OAuth
// authorization-code flow a seller approves in Seller Center, access and refresh
// tokens, shop ciphers, request signing and the {code, message, request_id, data}
// envelope, per-app rate limits, a request log, and signed webhooks delivered from
// the outbox with retries and a dead-letter list.
//
// Every endpoint is an adapter: it checks the call (signature, timestamp, token,
// scope, shop), then calls the same domain services the pages use, acting as the
// seller who authorized the app, and renders their answer in TikTok Shop's shape.
// Files: signing.go, envelope.go, ratelimit.go, requestlog.go (the checks),
// apps.go and oauth.go (console and authorization), store.go (SQL), http.go (every
// route), and one file per endpoint family.
package openapi
