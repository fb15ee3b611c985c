package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// jsonContentHash is contentHash through encoding/json, the definition the fast one
// must match.
func jsonContentHash(in TransferInput) string {
	ps := append([]Posting(nil), in.Postings...)
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Account.Code() != ps[j].Account.Code() {
			return ps[i].Account.Code() < ps[j].Account.Code()
		}
		return ps[i].Amount < ps[j].Amount
	})
	b, _ := json.Marshal(struct {
		Kind, Reference string
		Pending         bool `json:",omitempty"`
		Postings        []Posting
	}{in.Kind, in.Reference, in.Pending, ps})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// The hand-written hash must equal the encoding/json one byte for byte: transfers
// recorded before it keep their replays. Random transfers with awkward strings.
func TestContentHashIsTheJSONOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	words := []string{"", "order:1", "payment_captured", `quote"d`, `back\slash`, "<html>&", "tab\t", "naïve", "\xff\xfe", "emoji 🛍", "\u2028"}
	types := []AccountType{SellerPayable, CreatorCommissionPayable, BuyerPaymentsClearing, AccountType("we<ird")}
	for trial := 0; trial < 2000; trial++ {
		in := TransferInput{Kind: words[rng.IntN(len(words))], Reference: words[rng.IntN(len(words))], Pending: rng.IntN(2) == 0}
		for range rng.IntN(5) {
			in.Postings = append(in.Postings, Posting{AccountRef{Type: types[rng.IntN(len(types))], OwnerKind: words[rng.IntN(len(words))],
				OwnerID: id.ID(rng.IntN(3)), Currency: []string{"USD", "VND", "€"}[rng.IntN(3)]}, rng.Int64N(2000) - 1000})
		}
		if trial%7 == 0 {
			in.Postings = []Posting{}
		}
		if got, want := contentHash(in), jsonContentHash(in); got != want {
			t.Fatalf("trial %d: %+v hashes to %s, encoding/json to %s", trial, in, got, want)
		}
	}
}
