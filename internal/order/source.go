package order

// Product-card surfaces a buyer can buy from without a creator: the source of a line
// bought from a product page says where the buyer found the product, so GMV is
// reported by the surface that sold it.
const (
	SourceMall      Source = "MALL"       // the Mall: Mall and Official shops only
	SourceSearch    Source = "SEARCH"     // search results
	SourceStorePage Source = "STORE_PAGE" // a shop's own storefront
)

// SurfaceSource is the source of a line bought from a product page reached from the
// surface named by from ("search", "mall", "store"); mallShop says whether the
// product's shop is a Mall or Official shop, as only those are in the Mall. Anything
// else is a plain product card.
func SurfaceSource(from string, mallShop bool) Source {
	switch {
	case from == "search":
		return SourceSearch
	case from == "mall" && mallShop:
		return SourceMall
	case from == "store":
		return SourceStorePage
	}
	return SourceProductCard
}
