package market

import "fmt"

// SPSScoring weighs and shapes the Shop Performance Score (internal/seller,
// performance.go). Each metric's rate scores 5 at its best, ScoreAtBenchmarkX10/10 at
// its benchmark and 0 at ZeroAtBenchmarkX100/100 times its benchmark or worse,
// linearly between; the score is the weighted sum of the five sub-scores.
type SPSScoring struct {
	Weights SPSWeights `json:"weights"`
	// ScoreAtBenchmarkX10 is the sub-score at the benchmark, times 10 (35 = 3.5).
	ScoreAtBenchmarkX10 int `json:"score_at_benchmark_x10"`
	// ZeroAtBenchmarkX100 is the multiple of the benchmark, times 100, at which a
	// sub-score reaches 0 (200 = twice the benchmark).
	ZeroAtBenchmarkX100 int `json:"zero_at_benchmark_x100"`
}

// SPSWeights are the metrics' shares of the score in basis points; they add up to
// 10000.
type SPSWeights struct {
	NegativeReviewRateBP int `json:"negative_review_rate_bp"`
	LateDispatchRateBP   int `json:"late_dispatch_rate_bp"`
	SellerCancelRateBP   int `json:"seller_cancel_rate_bp"`
	OnTimeDeliveryRateBP int `json:"on_time_delivery_rate_bp"`
	ResponseRateBP       int `json:"response_rate_bp"`
}

// defaultSPSScoring is the score as first built: product satisfaction 40%, the four
// others 15% each, 3.5 at the benchmark, 0 at twice it.
func defaultSPSScoring() SPSScoring {
	return SPSScoring{
		Weights: SPSWeights{NegativeReviewRateBP: 4000, LateDispatchRateBP: 1500, SellerCancelRateBP: 1500,
			OnTimeDeliveryRateBP: 1500, ResponseRateBP: 1500},
		ScoreAtBenchmarkX10: 35,
		ZeroAtBenchmarkX100: 200,
	}
}

// validate returns the first problem, naming the field.
func (s SPSScoring) validate() (field, problem string) {
	w := s.Weights
	for _, c := range []struct {
		name string
		v    int
	}{{"negative_review_rate_bp", w.NegativeReviewRateBP}, {"late_dispatch_rate_bp", w.LateDispatchRateBP},
		{"seller_cancel_rate_bp", w.SellerCancelRateBP}, {"on_time_delivery_rate_bp", w.OnTimeDeliveryRateBP}, {"response_rate_bp", w.ResponseRateBP}} {
		if c.v < 0 || c.v > 10000 {
			return "performance.scoring.weights." + c.name, "must be 0-10000 basis points"
		}
	}
	if sum := w.NegativeReviewRateBP + w.LateDispatchRateBP + w.SellerCancelRateBP + w.OnTimeDeliveryRateBP + w.ResponseRateBP; sum != 10000 {
		return "performance.scoring.weights", fmt.Sprintf("the weights add up to %d basis points; they must add up to 10000", sum)
	}
	if s.ScoreAtBenchmarkX10 < 1 || s.ScoreAtBenchmarkX10 > 49 {
		return "performance.scoring.score_at_benchmark_x10", "must be 1-49 (a sub-score between 0 and 5, times 10)"
	}
	if s.ZeroAtBenchmarkX100 < 101 || s.ZeroAtBenchmarkX100 > 1000 {
		return "performance.scoring.zero_at_benchmark_x100", "must be 101-1000 (more than the benchmark, at most ten times it)"
	}
	return "", ""
}
