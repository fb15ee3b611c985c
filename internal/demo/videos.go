package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// videoSpec is a demo shoppable video: who posts it, what it links, and the test
// pattern ffmpeg draws for it.
type videoSpec struct {
	Creator string // a creator's email; empty for the shop's own video
	Shop    string // the shop key whose products it links
	Caption string
	Pattern string // an ffmpeg lavfi source
	Likes   int
}

var videos = []videoSpec{
	{Creator: "creator@liveshop.demo", Shop: "glow", Caption: "Three ways to wear Velvet Lip Tint 💄", Pattern: "testsrc2=size=360x640:rate=15", Likes: 140},
	{Creator: "creator@liveshop.demo", Shop: "glow", Caption: "My 5-minute glass skin routine", Pattern: "smptehdbars=size=360x640:rate=15", Likes: 85},
	{Shop: "glow", Caption: "New shades just dropped at Glow Lab", Pattern: "mandelbrot=size=360x640:rate=15", Likes: 40},
	{Creator: "chef@liveshop.demo", Shop: "kitchen", Caption: "Crispy air-fryer chicken, 15 minutes", Pattern: "life=size=360x640:rate=15:mold=10:ratio=0.2:death_color=#fe2c55", Likes: 60},
}

var videoComments = []string{"Need this!", "What shade is that?", "Ordered two 🙌", "Does it ship fast?", "Love it"}

// shoppableVideos posts the demo's videos with clips ffmpeg makes, processes them
// (probe and poster) and gives them some likes and comments. Without ffmpeg there
// is nothing to upload, so the feed starts empty and says so.
func (s *seeder) shoppableVideos(ctx context.Context) error {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		fmt.Fprintln(s.out, "\n  (shoppable videos skipped: the demo makes its clips with ffmpeg, which is not installed)")
		return nil
	}
	dir, err := os.MkdirTemp("", "liveshop-demo-clips")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i, v := range videos {
		clip := filepath.Join(dir, fmt.Sprintf("clip%d.mp4", i))
		cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", v.Pattern, "-t", "6",
			"-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart", clip)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("make clip %d: %v: %s", i, err, out)
		}
		data, err := os.ReadFile(clip)
		if err != nil {
			return err
		}
		in := content.VideoInput{Caption: v.Caption}
		for j, p := range s.products[v.Shop] {
			if j == 2 {
				break
			}
			in.ProductIDs = append(in.ProductIDs, p.ID)
		}
		author := s.owners[v.Shop]
		if v.Creator != "" {
			acct, err := s.a.Identity.AccountByEmail(ctx, v.Creator)
			if err != nil {
				return err
			}
			author = acct.Actor()
		} else {
			in.ShopID = s.shops[v.Shop].ID
		}
		posted, err := s.a.Content.PostVideo(ctx, author, in, bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("post %q: %w", v.Caption, err)
		}
		if err := s.published(ctx, posted.ID); err != nil {
			return err
		}
		if err := s.engage(ctx, posted.ID, s.shops[v.Shop].Market, v.Likes); err != nil {
			return err
		}
	}
	return nil
}

// engage has some of the market's audience watch, like and comment on a video.
func (s *seeder) engage(ctx context.Context, videoID id.ID, market string, likes int) error {
	fans := s.audience[market]
	for i := 0; i < likes && i < len(fans); i++ {
		if err := s.a.Content.RecordView(ctx, videoID); err != nil {
			return err
		}
		if err := s.a.Content.RecordWatch(ctx, videoID, 4500*time.Millisecond); err != nil { // of a 6 s clip
			return err
		}
		if _, err := s.a.Content.Like(ctx, fans[i], videoID); err != nil {
			return err
		}
		if i < len(videoComments) {
			if _, err := s.a.Content.PostComment(ctx, fans[i], videoID, videoComments[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// published processes the video, or waits while a running node's processing loop
// (which may have claimed it first) does, until it is published.
func (s *seeder) published(ctx context.Context, videoID id.ID) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := s.a.Content.ProcessVideos(ctx); err != nil {
			return err
		}
		v, err := s.a.Content.Video(ctx, videoID)
		if err != nil {
			return err
		}
		switch {
		case v.State == content.VideoPublished:
			return nil
		case v.State == content.VideoFailed:
			return fmt.Errorf("demo video %q failed: %s", v.Caption, v.StateReason)
		case time.Now().After(deadline):
			return fmt.Errorf("demo video %q still %s after a minute", v.Caption, v.State)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
