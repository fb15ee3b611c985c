package app

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func bind(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, finish := Bind(fs, StorageFlags|ServerFlags, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, finish()
}

func TestConfigPrecedenceFlagsOverEnvOverDefaults(t *testing.T) {
	c, err := bind(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "liveshop-data" || c.DB != "" || c.LogLevel != slog.LevelInfo || c.SecureCookies {
		t.Fatalf("defaults %+v", c)
	}
	env := map[string]string{"LIVESHOP_ADDR": ":9000", "LIVESHOP_DATA": "/var/lib/liveshop", "LIVESHOP_LOG_LEVEL": "debug",
		"LIVESHOP_TIMER_INTERVAL": "10s", "LIVESHOP_BASE_URL": "https://shop.example", "LIVESHOP_NODE_ID": "7"}
	c, err = bind(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.DataDir != "/var/lib/liveshop" || c.LogLevel != slog.LevelDebug || c.TimerInterval != 10*time.Second || !c.SecureCookies || c.NodeID != 7 {
		t.Fatalf("from env %+v", c)
	}
	c, err = bind(t, env, "--addr", "127.0.0.1:7000", "--log-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || !c.LogJSON || c.DataDir != "/var/lib/liveshop" {
		t.Fatalf("flags over env %+v", c)
	}
}

func TestConfigSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db-url")
	if err := os.WriteFile(path, []byte("postgres://liveshop:s3cret@db/liveshop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := bind(t, map[string]string{"LIVESHOP_DB_FILE": path})
	if err != nil || c.DB != "postgres://liveshop:s3cret@db/liveshop" {
		t.Fatalf("%q %v", c.DB, err)
	}
	if _, err := bind(t, map[string]string{"LIVESHOP_DB_FILE": "/no/such/file"}); err == nil || !strings.Contains(err.Error(), "LIVESHOP_DB_FILE") {
		t.Fatalf("missing secret file: %v", err)
	}
}

func TestConfigRefusals(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad duration in env", map[string]string{"LIVESHOP_TIMER_INTERVAL": "soon"}, nil, "LIVESHOP_TIMER_INTERVAL"},
		{"bad node id in env", map[string]string{"LIVESHOP_NODE_ID": "x"}, nil, "LIVESHOP_NODE_ID"},
		{"node id out of range", nil, []string{"--node-id", "5000"}, "node-id"},
		{"bad log level", nil, []string{"--log-level", "loud"}, "log-level"},
		{"bad log format", nil, []string{"--log-format", "xml"}, "log-format"},
		{"not a postgres url", nil, []string{"--db", "mysql://x"}, "--db"},
		{"not a nats url", nil, []string{"--nats", "127.0.0.1:4222"}, "--nats"},
		{"negative auth cache ttl", nil, []string{"--auth-cache-ttl", "-1s"}, "--auth-cache-ttl"},
	}
	for _, tt := range tests {
		if _, err := bind(t, tt.env, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error naming %s", tt.name, err, tt.want)
		}
	}
}

func TestConfigAuthCacheTTL(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 5 * time.Second},
		{[]string{"--auth-cache-ttl", "2s"}, 2 * time.Second},
		{[]string{"--auth-cache-ttl", "0"}, -1}, // off, which a zero Config (the default) cannot say
	} {
		c, err := bind(t, nil, tt.args...)
		if err != nil || c.AuthCacheTTL != tt.want {
			t.Errorf("%v: %v %v, want %v", tt.args, c.AuthCacheTTL, err, tt.want)
		}
	}
}

func TestDemoPaceKeepsExplicitSettings(t *testing.T) {
	c, _ := bind(t, map[string]string{"LIVESHOP_SANDBOX_CARRIER_DELIVER": "3m"})
	DemoPace(c)
	if c.CarrierDeliver != 3*time.Minute || c.CarrierPickup != 15*time.Second || c.TimerInterval != 2*time.Second {
		t.Fatalf("%+v", c)
	}
}

func TestConfigPaymentProvider(t *testing.T) {
	c, err := bind(t, nil)
	if err != nil || c.Payments != "sandbox" {
		t.Fatalf("default provider %q %v", c.Payments, err)
	}
	if c.paymentProvider().Name() != "sandbox" {
		t.Fatal("default provider is not the sandbox")
	}
	if _, err := bind(t, nil, "--payments", "paypal"); err == nil || !strings.Contains(err.Error(), "want sandbox or stripe") {
		t.Fatalf("unknown provider: %v", err)
	}
	if _, err := bind(t, nil, "--payments", "stripe"); err == nil || !strings.Contains(err.Error(), "LIVESHOP_STRIPE_KEY") {
		t.Fatalf("stripe without keys: %v", err)
	}
	dir := t.TempDir()
	key, hook := filepath.Join(dir, "key"), filepath.Join(dir, "whsec")
	os.WriteFile(key, []byte("sk_test_123\n"), 0o600)
	os.WriteFile(hook, []byte("whsec_abc\n"), 0o600)
	c, err = bind(t, map[string]string{"LIVESHOP_STRIPE_KEY_FILE": key, "LIVESHOP_STRIPE_WEBHOOK_SECRET_FILE": hook}, "--payments", "stripe")
	if err != nil || c.StripeKey != "sk_test_123" || c.StripeWebhookSecret != "whsec_abc" || c.paymentProvider().Name() != "stripe" {
		t.Fatalf("stripe from files: %+v %v", c, err)
	}
}
