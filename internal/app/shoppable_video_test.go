package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// clipFile writes a short MP4 for uploads: a real one made by ffmpeg, or, without
// ffmpeg, bytes that pass the upload's type check (processing then checks no more).
func clipFile(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.mp4")
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		os.WriteFile(out, append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 2000)...), 0o644)
		return out
	}
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=3:size=360x640:rate=15",
		"-pix_fmt", "yuv420p", "-c:v", "libx264", "-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	return out
}

// videoWorld is a shop with a product, a creator with enough followers who has it in
// her showcase, and a shopper; everyone logs in with pw.
type videoWorld struct {
	creator   creator.Creator
	creatorID id.ID
	accountID id.ID
	productID id.ID
	other     id.ID // a product not in the showcase
}

func seedVideoWorld(t *testing.T, s *server) videoWorld {
	t.Helper()
	ctx := context.Background()
	owner, _ := s.Identity.Provision(ctx, "grace@shop.test", "Grace", pw, auth.Seller)
	shop, err := s.Sellers.Register(ctx, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Glow Lab"})
	if err != nil {
		t.Fatal(err)
	}
	var products []id.ID
	for _, title := range []string{"Velvet Lip Tint", "Cloud Blush"} {
		p, err := s.Catalog.CreateProduct(ctx, owner.Actor(), shop.ID, catalog.ProductInput{Title: title,
			SKUs: []catalog.SKUInput{{Price: money.New(1299, "USD"), Stock: 20}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Creators.SetOffer(ctx, owner.Actor(), p.ID, 1500, true); err != nil {
			t.Fatal(err)
		}
		products = append(products, p.ID)
	}
	host, _ := s.Identity.Provision(ctx, "mia@creator.test", "Mia", pw, auth.Creator)
	c, err := s.Creators.CreateProfile(ctx, host.Actor(), creator.ProfileInput{Handle: "mia.makeup", Market: "US", BirthDate: "1996-05-14"})
	if err != nil {
		t.Fatal(err)
	}
	giveFollowers(t, s, c.ID, 1000)
	if err := s.Creators.AddToShowcase(ctx, host.Actor(), products[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity.Provision(ctx, "bea@shopper.test", "Bea Buyer", pw); err != nil {
		t.Fatal(err)
	}
	return videoWorld{creator: c, creatorID: c.ID, accountID: host.ID, productID: products[0], other: products[1]}
}

// upload posts a multipart video form as the client.
func upload(t *testing.T, c *client, fields map[string]string, file []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("file", "clip.mp4")
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/videos", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{Status: resp.StatusCode, Raw: raw}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// The JSON API end to end: a creator uploads, the node processes and publishes,
// the file is served with range requests, viewers engage, and bad input is refused
// with the field named and nothing stored.
func TestShoppableVideoOverHTTP(t *testing.T) {
	s := start(t, false)
	w := seedVideoWorld(t, s)
	ctx := context.Background()
	tok, err := s.Identity.IssueTokenFor(ctx, w.accountID, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	mia := &client{t: t, base: s.URL, token: tok.Token}
	clip, _ := os.ReadFile(clipFile(t))

	refusals := []struct {
		name   string
		fields map[string]string
		file   []byte
		status int
		field  string
	}{
		{"not a video", map[string]string{"product_ids": w.productID.String()}, []byte("just some text, not a video at all"), 400, "file"},
		{"product outside the showcase", map[string]string{"product_ids": w.other.String()}, clip, 422, "product_ids[0]"},
		{"bad product id", map[string]string{"product_ids": "abc"}, clip, 400, "product_ids"},
		{"script URL", map[string]string{"product_ids": w.productID.String(), "url": "javascript:alert(1)"}, nil, 400, "url"},
		{"nothing to post", map[string]string{"product_ids": w.productID.String()}, nil, 400, "file"},
	}
	for _, tt := range refusals {
		r := upload(t, mia, tt.fields, tt.file)
		if r.Status != tt.status || str(r.Body["field"]) != tt.field {
			t.Errorf("%s: %d %s, want %d on %s", tt.name, r.Status, r.Raw, tt.status, tt.field)
		}
	}
	var n int
	s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM videos`).Scan(&n)
	if n != 0 {
		t.Fatalf("refused uploads stored %d videos", n)
	}

	r := upload(t, mia, map[string]string{"caption": "Three ways to wear it", "product_ids": w.productID.String()}, clip)
	if r.Status != 201 || str(r.Body["state"]) != "processing" {
		t.Fatalf("upload: %d %s", r.Status, r.Raw)
	}
	vid := str(r.Body["id"])
	var v map[string]any
	waitFor(t, "the video to be published", func() bool {
		v = mia.must(200, "GET", "/api/v1/videos/"+vid, nil)
		return str(v["state"]) == "published"
	})

	// The file plays from liveshop with range requests, as players fetch it.
	req, _ := http.NewRequest("GET", s.URL+str(v["url"]), nil)
	req.Header.Set("Range", "bytes=0-99")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || len(body) != 100 || resp.Header.Get("Content-Type") != "video/mp4" || !bytes.Equal(body, clip[:100]) {
		t.Fatalf("range request: %d, %d bytes, %s", resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
	}

	anon := &client{t: t, base: s.URL}
	feed := anon.must(200, "GET", "/api/v1/videos?market=US", nil)
	if vs := feed["videos"].([]any); len(vs) != 1 || str(vs[0].(map[string]any)["id"]) != vid {
		t.Fatalf("feed %v", feed)
	}
	anon.must(204, "POST", "/api/v1/videos/"+vid+"/view", nil)
	anon.must(204, "POST", "/api/v1/videos/"+vid+"/watch", map[string]any{"watched_ms": 2500})
	anon.must(401, "POST", "/api/v1/videos/"+vid+"/like", nil)
	anon.must(400, "POST", "/api/v1/videos/"+vid+"/watch", map[string]any{"watched_ms": "lots"})
	anon.must(404, "POST", "/api/v1/videos/123/view", nil)
	anon.must(404, "POST", "/api/v1/videos/"+vid+"/products/"+w.other.String()+"/click", nil)
	anon.must(204, "POST", "/api/v1/videos/"+vid+"/products/"+w.productID.String()+"/click", nil)

	bea := s.signup(t, "bee@shopper.test", "Bee")
	if got := bea.must(200, "POST", "/api/v1/videos/"+vid+"/like", nil); num(got["likes"]) != 1 {
		t.Fatalf("like %v", got)
	}
	bea.must(400, "POST", "/api/v1/videos/"+vid+"/comments", map[string]any{"body": "   "})
	c := bea.must(201, "POST", "/api/v1/videos/"+vid+"/comments", map[string]any{"body": "Need this"})
	bea.must(403, "POST", "/api/v1/video-comments/"+str(c["id"])+"/hide", nil)
	bea.must(400, "POST", "/api/v1/video-comments/"+str(c["id"])+"/explode", nil)
	if got := bea.must(200, "POST", "/api/v1/videos/"+vid+"/share", nil); str(got["link"]) != "/videos/"+vid {
		t.Fatalf("share %v", got)
	}
	v = anon.must(200, "GET", "/api/v1/videos/"+vid, nil)
	counters := v["counters"].(map[string]any)
	if num(counters["views"]) != 1 || num(counters["likes"]) != 1 || num(counters["comments"]) != 1 || num(counters["shares"]) != 1 ||
		num(counters["product_clicks"]) != 1 || num(counters["watch_ms"]) != 2500 {
		t.Fatalf("counters %v", counters)
	}
	bea.must(403, "POST", "/api/v1/videos/"+vid+"/remove", map[string]any{"reason": "spite"})
	mia.must(200, "POST", "/api/v1/videos/"+vid+"/remove", nil)
	resp, _ = http.Get(s.URL + str(v["url"]))
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("a removed video's file answers %d", resp.StatusCode)
	}
}

// In Chromium: a creator uploads a video from My videos with a progress bar; a
// shopper finds it in the feed, where it plays, likes it, comments, taps the product
// and buys it, and the order is credited to the video and the creator.
func TestBrowserShoppableVideo(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	w := seedVideoWorld(t, s)
	file := clipFile(t)

	err := chromedp.Do(ctx,
		login(s, "mia@creator.test"),
		chromedp.Navigate(s.URL+"/studio/videos"),
		chromedp.WaitVisible(chromedp.ID("post-video")),
		chromedp.SetValue(chromedp.ID("caption"), "Three ways to wear Velvet"),
		chromedp.Click(chromedp.CSS(`input[name="product_ids"][value="`+w.productID.String()+`"]`)),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.CSS("#post-video button.btn")),
		waitText("#upload-status", "Posted"),
		chromedp.WaitVisible(chromedp.ID("my-videos")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Processing takes a moment; the page shows the state it is in.
	deadline := time.Now().Add(20 * time.Second)
	for {
		state, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#my-videos .v-state")))
		if err == nil && state == "published" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the video is still %q", state)
		}
		time.Sleep(300 * time.Millisecond)
		if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
	}

	err = chromedp.Do(ctx,
		logout(),
		login(s, "bea@shopper.test"),
		chromedp.Navigate(s.URL+"/videos?market=US"),
		chromedp.WaitVisible(chromedp.CSS(".short video")),
		waitText(".short-info", "@mia.makeup"),
		waitText(".short-caption", "Three ways to wear Velvet"),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The browser really plays it: its metadata loads and, with ffmpeg's clip, time moves.
	waitFor(t, "the video to load in Chromium", func() bool {
		ready, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('.short video').readyState`))
		return err == nil && ready >= 1
	})
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".v-like")),
		waitText(".v-likes", "1"),
		chromedp.Click(chromedp.CSS(".v-comments")),
		chromedp.WaitVisible(chromedp.CSS(".v-comment-form")),
		chromedp.SetValue(chromedp.CSS(".v-comment-form input"), "Is it long-lasting?"),
		chromedp.Click(chromedp.CSS(".v-comment-form button")),
		waitText(".v-comment-list", "Is it long-lasting?"),
		waitText(".v-comment-count", "1"),
		chromedp.Click(chromedp.CSS(".anchor")),
		chromedp.WaitVisible(chromedp.ID("buy-form")),
		chromedp.SetValue(chromedp.ID("line1"), "1 Main St"),
		chromedp.SetValue(chromedp.ID("city"), "Austin"),
		chromedp.Submit(chromedp.ID("city")),
		waitText(".flash", "Thank you"),
		// The video is listed on the product and on the creator's profile.
		chromedp.Navigate(s.URL+"/products/"+w.productID.String()),
		waitText("#product-videos", "Three ways to wear Velvet"),
		chromedp.Navigate(s.URL+"/creators/mia.makeup"),
		waitText("#creator-videos", "1 likes"),
	)
	if err != nil {
		t.Fatal(err)
	}
	bctx := context.Background()
	var source string
	var creatorID id.ID
	if err := s.DB.QueryRowContext(bctx, `SELECT source, COALESCE(creator_id, 0) FROM order_lines WHERE product_id = $1`, w.productID).Scan(&source, &creatorID); err != nil {
		t.Fatal(err)
	}
	if source != string(order.SourceVideo) || creatorID != w.creatorID {
		t.Fatalf("the order is credited to %s / creator %d, want VIDEO / %d", source, creatorID, w.creatorID)
	}
	var views, clicks int64
	s.DB.QueryRowContext(bctx, `SELECT views, product_clicks FROM videos`).Scan(&views, &clicks)
	if views < 1 || clicks != 1 {
		t.Fatalf("views %d, product clicks %d", views, clicks)
	}
	// The shop's Seller Center has a Videos tab: the studio, posting as the shop.
	grace, _ := s.Identity.AccountByEmail(bctx, "grace@shop.test")
	shops, _ := s.Sellers.ShopsOf(bctx, grace.ID)
	err = chromedp.Do(ctx,
		logout(),
		login(s, "grace@shop.test"),
		chromedp.Navigate(s.URL+"/seller/shops/"+shops[0].ID.String()),
		chromedp.Click(chromedp.CSS(`#shop-tabs a[href$="/videos"]`)),
		chromedp.WaitVisible(chromedp.ID("post-video")),
	)
	if err != nil {
		t.Fatal(err)
	}
	as, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("as")))
	if err != nil || as != shops[0].ID.String() {
		t.Fatalf("the Videos tab posts as %q, want the shop %s (%v)", as, shops[0].ID, err)
	}
}
