package web

import (
	"context"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// creatorCollabs is the Creator Center's collaboration side: invitations, samples,
// conversations with unread counts, and a signed link per showcase product.
type creatorCollabs struct {
	Invitations []creator.TargetPlan
	Samples     []creator.Sample
	Threads     []creator.ThreadSummary
	Unread      int
	Links       map[id.ID]string
	// SampleAddress is where samples go unless a request says otherwise.
	SampleAddress    order.Address
	HasSampleAddress bool
}

func (s *Server) creatorCollaborations(ctx context.Context, c creator.Creator, showcase []creator.ShowcaseItem) (creatorCollabs, error) {
	actor := auth.From(ctx)
	var out creatorCollabs
	var err error
	if out.Invitations, err = s.Creators.Invitations(ctx, actor); err != nil {
		return out, err
	}
	if out.Samples, err = s.Creators.MySamples(ctx, actor); err != nil {
		return out, err
	}
	if out.SampleAddress, out.HasSampleAddress, err = s.Creators.SampleAddress(ctx, actor); err != nil {
		return out, err
	}
	if out.Threads, err = s.Creators.MyThreads(ctx, actor); err != nil {
		return out, err
	}
	out.Unread = creator.Unread(out.Threads)
	out.Links = map[id.ID]string{}
	for _, it := range showcase {
		if l, err := s.Creators.Link(ctx, actor, it.ID); err == nil {
			out.Links[it.ID] = l.Path
		}
	}
	return out, nil
}
