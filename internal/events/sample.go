package events

// SourceSample is the source of every line of a sample order: the zero-price order
// an approved creator sample ships as (order.PlaceSampleOrder). It carries no
// payment, no GMV, no commission and no money for the ledger; consumers that count
// sales or book money skip it with IsSample.
const SourceSample = "SAMPLE"

// IsSample reports whether the order is a creator's sample, not a sale.
func (o Order) IsSample() bool { return len(o.Lines) > 0 && o.Lines[0].Source == SourceSample }
