package creator

import (
	"math"
	"sort"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// Candidate is what the recommender knows of a creator: their audience, what they
// have sold (in total and per category), how well their links engage, and whether
// they deliver the content they owe for samples.
type Candidate struct {
	CreatorID     id.ID            `json:"creator_id"`
	Handle        string           `json:"handle"`
	Followers     int64            `json:"followers"`
	Declared      []string         `json:"categories"`
	GMV           int64            `json:"gmv"` // minor units of the market's currency
	Orders        int64            `json:"orders"`
	CategoryGMV   map[string]int64 `json:"category_gmv,omitempty"`
	EngagementBP  int64            `json:"engagement_bp"` // link clicks in 30 days per follower, basis points
	SamplesOnTime int              `json:"samples_on_time"`
	SamplesLate   int              `json:"samples_late"` // fulfilled late or overdue
}

// AOV is the creator's average order value in minor units, 0 without orders.
func (c Candidate) AOV() int64 {
	if c.Orders == 0 {
		return 0
	}
	return c.GMV / c.Orders
}

// Reliability is the share of sample content delivered on time, with a prior of
// two on-time deliveries and one late so a newcomer is neither perfect nor zero.
func (c Candidate) Reliability() float64 {
	return float64(c.SamplesOnTime+2) / float64(c.SamplesOnTime+c.SamplesLate+3)
}

// MatchTarget is what a seller wants creators for: a category and a price.
type MatchTarget struct {
	Category string `json:"category"`
	Price    int64  `json:"price"` // minor units
}

// Fit is a candidate's score for a target, with its parts for the page to explain.
type Fit struct {
	Candidate
	Score       float64 `json:"score"`
	Affinity    float64 `json:"affinity"`     // share of the creator's GMV in the category (declared adds a little)
	CategoryGMV float64 `json:"category_gmv"` // the creator's GMV in the category against the best candidate's, log scale
	PriceFit    float64 `json:"price_fit"`    // 1 when the creator's AOV is the target price, falling with the ratio
	Engagement  float64 `json:"engagement"`   // against the best candidate's
	Reliable    float64 `json:"reliability"`
}

// Weights of the fit score. Category affinity and past GMV in the category carry
// most of it, as sellers judge creators; price band, engagement and reliability
// break ties among creators who sell the category.
const (
	wAffinity    = 3.0
	wCategoryGMV = 2.0
	wPrice       = 1.0
	wEngagement  = 0.5
	wReliable    = 0.5
)

// Rank scores candidates for a target, best first (ties by more followers, then
// id). It is a pure function of its inputs so it can be evaluated offline
// (liveshop bench matching) against the same code the Seller Center calls.
func Rank(t MatchTarget, cands []Candidate) []Fit {
	var maxCat, maxEng float64
	for _, c := range cands {
		maxCat = math.Max(maxCat, math.Log1p(float64(c.CategoryGMV[t.Category])))
		maxEng = math.Max(maxEng, float64(c.EngagementBP))
	}
	out := make([]Fit, 0, len(cands))
	for _, c := range cands {
		f := Fit{Candidate: c, Reliable: c.Reliability()}
		if c.GMV > 0 && t.Category != "" {
			f.Affinity = float64(c.CategoryGMV[t.Category]) / float64(c.GMV)
		}
		for _, d := range c.Declared {
			if d == t.Category && t.Category != "" {
				f.Affinity = math.Min(1, f.Affinity+0.25)
			}
		}
		if maxCat > 0 {
			f.CategoryGMV = math.Log1p(float64(c.CategoryGMV[t.Category])) / maxCat
		}
		if aov := c.AOV(); aov > 0 && t.Price > 0 {
			f.PriceFit = math.Exp(-math.Abs(math.Log(float64(aov) / float64(t.Price))))
		}
		if maxEng > 0 {
			f.Engagement = float64(c.EngagementBP) / maxEng
		}
		f.Score = wAffinity*f.Affinity + wCategoryGMV*f.CategoryGMV + wPrice*f.PriceFit + wEngagement*f.Engagement + wReliable*f.Reliable
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		if out[i].Followers != out[j].Followers {
			return out[i].Followers > out[j].Followers
		}
		return out[i].CreatorID < out[j].CreatorID
	})
	return out
}

// RankByPopularity is the baseline the recommender must beat: most followers first.
func RankByPopularity(cands []Candidate) []Candidate {
	out := append([]Candidate(nil), cands...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Followers != out[j].Followers {
			return out[i].Followers > out[j].Followers
		}
		return out[i].CreatorID < out[j].CreatorID
	})
	return out
}
