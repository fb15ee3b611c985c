package app

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/promo"
)

// Config is every setting liveshop reads, from flags, LIVESHOP_* environment variables
// and defaults, in that order of precedence. Secrets may also come from a file named
// by the variable with _FILE appended (LIVESHOP_DB_FILE), as container platforms
// mount them.
type Config struct {
	Addr     string // listen address
	DataDir  string // SQLite and stored files, when DB is empty
	DB       string // postgres:// URL; empty for SQLite
	NATS     string // nats:// URL; empty for the in-process bus
	NodeID   int    // distinct per node sharing a database
	BaseURL  string // public URL, for links and cookie security
	LogLevel slog.Level
	LogJSON  bool

	SecureCookies bool
	// AuthCacheTTL is how long a node trusts a session or bearer token it has resolved
	// before reading it again: a credential ended on another node still works here for
	// up to this long. 0 means identity.DefaultActorCacheTTL; negative reads it on
	// every request (--auth-cache-ttl 0).
	AuthCacheTTL time.Duration
	// PricingCacheTTL is how long a node prices checkouts from a shop's promotions and
	// shipping enrolments as it last read them: a change made on another node counts
	// here within this long. 0 means promo.PricingCacheTTL; negative reads them for
	// every quote (--pricing-cache-ttl 0).
	PricingCacheTTL time.Duration
	// Payments is the payment provider: "sandbox" (built in, no network) or "stripe".
	Payments string
	// StripeKey and StripeWebhookSecret come from the environment or *_FILE only, never
	// from flags, which other users of the machine can read.
	StripeKey           string
	StripeWebhookSecret string
	StripeAPIURL        string // another Stripe API, such as stripe-mock
	// SandboxWebhookSecret signs the sandbox provider's webhooks; nodes sharing a
	// database need the same one. Random per process when empty.
	SandboxWebhookSecret string
	// RTMPURL and HLSURL place the media server (nginx with the RTMP module) that
	// carries live video; live rooms have no video when they are empty.
	RTMPURL, HLSURL string
	// RTMPHookSecret, when set, must accompany the media server's hook calls.
	RTMPHookSecret string
	// VendorDir holds third-party browser files fetched by scripts (hls.js).
	VendorDir string

	TimerInterval   time.Duration // how often order timers run
	CarrierPickup   time.Duration // sandbox carrier pace
	CarrierDeliver  time.Duration
	ShutdownTimeout time.Duration
}

// defaults returns the configuration of a plain `liveshop serve`.
func defaults() Config {
	return Config{
		Addr: ":8080", DataDir: "liveshop-data", BaseURL: "http://localhost:8080", LogLevel: slog.LevelInfo, Payments: "sandbox", VendorDir: ".cache/vendor",
		AuthCacheTTL: identity.DefaultActorCacheTTL, PricingCacheTTL: promo.PricingCacheTTL,
		TimerInterval: 5 * time.Second, CarrierPickup: time.Hour, CarrierDeliver: 24 * time.Hour, ShutdownTimeout: 15 * time.Second,
	}
}

// env reads LIVESHOP_<name>, or the file named by LIVESHOP_<name>_FILE.
type env func(string) string

func (e env) get(name string) (string, error) {
	if v := e("LIVESHOP_" + name); v != "" {
		return v, nil
	}
	if path := e("LIVESHOP_" + name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("LIVESHOP_%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// binder registers flags whose defaults come from the environment.
type binder struct {
	fs   *flag.FlagSet
	env  env
	errs []error
}

func (b *binder) str(p *string, flagName, envName, usage string) {
	if v, err := b.env.get(envName); err != nil {
		b.errs = append(b.errs, err)
	} else if v != "" {
		*p = v
	}
	b.fs.StringVar(p, flagName, *p, usage+" (env LIVESHOP_"+envName+")")
}

// secret reads a setting from the environment or its _FILE only.
func (b *binder) secret(p *string, envName string) {
	if v, err := b.env.get(envName); err != nil {
		b.errs = append(b.errs, err)
	} else if v != "" {
		*p = v
	}
}

func (b *binder) int(p *int, flagName, envName, usage string) {
	if v, _ := b.env.get(envName); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("LIVESHOP_%s=%q is not a whole number", envName, v))
		}
		*p = n
	}
	b.fs.IntVar(p, flagName, *p, usage+" (env LIVESHOP_"+envName+")")
}

func (b *binder) dur(p *time.Duration, flagName, envName, usage string) {
	if v, _ := b.env.get(envName); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("LIVESHOP_%s=%q is not a duration like 30s or 2h", envName, v))
		}
		*p = d
	}
	b.fs.DurationVar(p, flagName, *p, usage+" (env LIVESHOP_"+envName+")")
}

// Flags says which groups of settings a subcommand takes.
type Flags uint8

// Setting groups.
const (
	StorageFlags Flags = 1 << iota // --data, --db, --node-id, logging
	ServerFlags                    // --addr, --base-url, --nats, timers
)

// Bind registers the settings of the groups on fs, with defaults taken from the
// environment, and returns a function that finishes the Config after fs is parsed.
func Bind(fs *flag.FlagSet, groups Flags, getenv func(string) string) (*Config, func() error) {
	c := defaults()
	b := &binder{fs: fs, env: env(getenv)}
	level, format := "info", "text"
	if groups&StorageFlags != 0 {
		b.str(&c.DataDir, "data", "DATA", "directory for the SQLite database when --db is not given")
		b.str(&c.DB, "db", "DB", "PostgreSQL URL (postgres://user:pass@host/db); SQLite in --data when empty")
		b.int(&c.NodeID, "node-id", "NODE_ID", "this node's number, 0-1023, distinct per node sharing a database")
		b.str(&level, "log-level", "LOG_LEVEL", "log level: debug, info, warn or error")
		b.str(&format, "log-format", "LOG_FORMAT", "log format: text or json")
	}
	if groups&ServerFlags != 0 {
		b.str(&c.Addr, "addr", "ADDR", "address to listen on")
		b.str(&c.BaseURL, "base-url", "BASE_URL", "public URL of this server; https makes session cookies Secure")
		b.str(&c.NATS, "nats", "NATS", "NATS URL joining this node's live rooms to other nodes' (chat, likes, viewers, flash sales); single node when empty")
		b.dur(&c.TimerInterval, "timer-interval", "TIMER_INTERVAL", "how often order timers (payment timeout, auto-complete, sandbox carrier) run")
		b.dur(&c.CarrierPickup, "sandbox-carrier-pickup", "SANDBOX_CARRIER_PICKUP", "how long the sandbox carrier takes to collect a parcel")
		b.dur(&c.CarrierDeliver, "sandbox-carrier-deliver", "SANDBOX_CARRIER_DELIVER", "how long after shipping the sandbox carrier delivers")
		b.str(&c.Payments, "payments", "PAYMENTS", "payment provider: sandbox, or stripe (keys in LIVESHOP_STRIPE_KEY and LIVESHOP_STRIPE_WEBHOOK_SECRET, or their _FILE)")
		b.str(&c.StripeAPIURL, "stripe-api-url", "STRIPE_API_URL", "Stripe API base URL, for stripe-mock; Stripe itself when empty")
		b.secret(&c.StripeKey, "STRIPE_KEY")
		b.secret(&c.StripeWebhookSecret, "STRIPE_WEBHOOK_SECRET")
		b.secret(&c.SandboxWebhookSecret, "SANDBOX_WEBHOOK_SECRET")
		b.str(&c.RTMPURL, "rtmp-url", "RTMP_URL", "where hosts' encoders publish live video, e.g. rtmp://media.example.com/live (nginx with the RTMP module); no video when empty")
		b.str(&c.HLSURL, "hls-url", "HLS_URL", "where viewers fetch the HLS the media server writes, e.g. https://media.example.com/hls")
		b.secret(&c.RTMPHookSecret, "RTMP_HOOK_SECRET")
		b.str(&c.VendorDir, "vendor-dir", "VENDOR_DIR", "directory of fetched browser libraries served at /vendor/ (scripts/fetch-player.sh fills it)")
		b.dur(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", "how long to let requests finish on shutdown")
		b.dur(&c.AuthCacheTTL, "auth-cache-ttl", "AUTH_CACHE_TTL",
			"how long a node trusts a session or bearer token it has read; logging out or revoking a token elsewhere takes up to this long here (0: read on every request)")
		b.dur(&c.PricingCacheTTL, "pricing-cache-ttl", "PRICING_CACHE_TTL",
			"how long a node prices checkouts from shops' promotions and shipping enrolments as it last read them; a change made on another node takes up to this long here (0: read for every quote)")
	}
	finish := func() error {
		if len(b.errs) > 0 {
			return errors.Join(b.errs...)
		}
		if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
			return fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
		}
		switch format {
		case "text":
		case "json":
			c.LogJSON = true
		default:
			return fmt.Errorf("--log-format %q: want text or json", format)
		}
		if c.NodeID < 0 || c.NodeID > 1023 {
			return fmt.Errorf("--node-id %d: want 0-1023", c.NodeID)
		}
		if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
			return fmt.Errorf("--db: want a postgres:// URL (leave it empty for SQLite in --data)")
		}
		if c.NATS != "" && !strings.HasPrefix(c.NATS, "nats://") {
			return fmt.Errorf("--nats: want a nats:// URL")
		}
		switch c.Payments {
		case "sandbox":
		case "stripe":
			if c.StripeKey == "" || c.StripeWebhookSecret == "" {
				return fmt.Errorf("--payments stripe: set LIVESHOP_STRIPE_KEY and LIVESHOP_STRIPE_WEBHOOK_SECRET (or their _FILE)")
			}
		default:
			return fmt.Errorf("--payments %q: want sandbox or stripe", c.Payments)
		}
		c.SecureCookies = strings.HasPrefix(c.BaseURL, "https://")
		if c.AuthCacheTTL < 0 {
			return fmt.Errorf("--auth-cache-ttl %s: want 0 (no cache) or more", c.AuthCacheTTL)
		}
		if c.AuthCacheTTL == 0 {
			c.AuthCacheTTL = -1 // asked for no cache; a zero Config means the default
		}
		if c.PricingCacheTTL < 0 {
			return fmt.Errorf("--pricing-cache-ttl %s: want 0 (no cache) or more", c.PricingCacheTTL)
		}
		if c.PricingCacheTTL == 0 {
			c.PricingCacheTTL = -1
		}
		return nil
	}
	return &c, finish
}

// Logger builds the process logger the configuration asks for.
func (c Config) Logger(w *os.File) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// DemoPace speeds the sandbox carrier and the timers up so a person watching the demo
// sees orders move from paid to delivered within a minute. Settings given explicitly
// in the environment are kept; flags parsed afterwards still win.
func DemoPace(c *Config) {
	d := defaults()
	if c.TimerInterval == d.TimerInterval {
		c.TimerInterval = 2 * time.Second
	}
	if c.CarrierPickup == d.CarrierPickup {
		c.CarrierPickup = 15 * time.Second
	}
	if c.CarrierDeliver == d.CarrierDeliver {
		c.CarrierDeliver = 45 * time.Second
	}
}

// paymentProvider builds the payment provider the configuration names.
func (c Config) paymentProvider() payment.Provider {
	if c.Payments == "stripe" {
		return payment.NewStripe(payment.StripeConfig{SecretKey: c.StripeKey, WebhookSecret: c.StripeWebhookSecret,
			APIURL: c.StripeAPIURL, ReturnURL: strings.TrimSuffix(c.BaseURL, "/") + "/orders"})
	}
	secret := []byte(c.SandboxWebhookSecret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	return payment.Sandbox{Secret: secret}
}
