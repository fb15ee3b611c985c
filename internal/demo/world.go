package demo

// The demo world: shops, products, creators and lives in six markets, priced in each
// market's currency. Everything is created through the platform's own services, so
// the demo exercises exactly the code a real marketplace runs.

import "github.com/liveshop/liveshop/internal/seller"

type productSpec struct {
	Title, Description string
	Price              string // major units in the market currency
	Stock              int64
	Commission         string // percent offered to creators; empty: not offered
}

type shopSpec struct {
	Key, Market, Name, OwnerEmail, OwnerName string
	Products                                 []productSpec
	Badge                                    seller.Badge // an operator grants it, so the Mall pages have shops
}

type liveSpec struct {
	Title    string
	Shop     string // key of the shop whose products are sold
	Products int    // how many of them
	OnAir    bool   // live now; otherwise scheduled InHours ahead
	InHours  int
}

type creatorSpec struct {
	Email, Name, Handle, Market, Bio string
	Followers                        int
	Showcase                         []string // shop keys whose offered products go in the showcase
	Lives                            []liveSpec
}

// productCategories places the demo's products in the category tree, so GMV by
// category has something to show.
var productCategories = map[string]string{
	"Velvet Lip Tint": "lips", "Glass Skin Serum": "skincare", "Cloud Cushion Foundation": "face", "Lash Lift Mascara": "face",
	"Dewy Setting Spray": "makeup", "Mini Glow Kit": "makeup",
	"Pro Air Fryer 6qt": "kitchen", "Magnetic Knife Strip": "kitchen", "Silicone Lid Set": "kitchen", "Cold Brew Maker": "kitchen",
	"Earl Grey Gift Tin": "food", "Oat Milk Frother": "kitchen", "Botanical Tonic Syrup": "food",
	"Kemeja Batik Pria": "menswear", "Tas Anyaman Rotan": "accessories", "Serum Vitamin C": "skincare", "Hijab Voal Premium": "womenswear",
	"Dried Mango 500g": "snacks", "Tom Yum Chips": "snacks", "Thai Milk Tea Kit": "food",
	"Áo thun cotton": "womenswear", "Son kem lì": "lips", "Nón lá Huế": "accessories",
	"Taza de Talavera": "decor", "Rebozo de algodón": "womenswear",
}

var shops = []shopSpec{
	{Key: "glow", Market: "US", Name: "Glow Lab", OwnerEmail: "seller@liveshop.demo", OwnerName: "Grace Kim", Products: []productSpec{
		{"Velvet Lip Tint", "Weightless matte tint that lasts all day. Six shades.", "12.99", 400, "15"},
		{"Glass Skin Serum", "Niacinamide and rice water serum for a dewy finish.", "24.99", 250, "12"},
		{"Cloud Cushion Foundation", "Buildable coverage in a refillable cushion.", "29.00", 180, "12"},
		{"Lash Lift Mascara", "Tubing mascara: lifts, curls, no smudge.", "15.50", 300, "15"},
		{"Dewy Setting Spray", "Locks makeup for 16 hours with a glow.", "18.00", 220, "10"},
		{"Mini Glow Kit", "Tint, serum and spray in travel sizes.", "39.99", 120, "20"},
	}},
	{Key: "kitchen", Market: "US", Name: "Kitchen Hero", OwnerEmail: "seller.kitchen@liveshop.demo", OwnerName: "Omar Haddad", Badge: seller.Official, Products: []productSpec{
		{"Pro Air Fryer 6qt", "Crisp dinners in 15 minutes, dishwasher-safe basket.", "89.99", 90, "8"},
		{"Magnetic Knife Strip", "Walnut strip, holds 8 knives.", "22.00", 140, "10"},
		{"Silicone Lid Set", "Six stretch lids that replace cling film.", "14.99", 260, "12"},
		{"Cold Brew Maker", "1.5 L glass pitcher with fine mesh filter.", "34.50", 110, "10"},
	}},
	{Key: "tea", Market: "GB", Name: "Tea & Tonic", OwnerEmail: "seller.gb@liveshop.demo", OwnerName: "Harriet Cole", Products: []productSpec{
		{"Earl Grey Gift Tin", "Loose-leaf bergamot black tea, 100 g.", "9.50", 200, "15"},
		{"Oat Milk Frother", "Handheld frother with stand.", "24.00", 120, "10"},
		{"Botanical Tonic Syrup", "Small-batch tonic syrup, 250 ml.", "12.00", 150, "12"},
	}},
	{Key: "batik", Market: "ID", Name: "Batik Modern", OwnerEmail: "seller.id@liveshop.demo", OwnerName: "Dewi Lestari", Badge: seller.Mall, Products: []productSpec{
		{"Kemeja Batik Pria", "Kemeja batik cap lengan panjang, katun primisima.", "189000", 150, "10"},
		{"Tas Anyaman Rotan", "Tas rotan bulat buatan tangan dari Bali.", "249000", 80, "12"},
		{"Serum Vitamin C", "Serum pencerah 20 ml.", "79000", 300, "15"},
		{"Hijab Voal Premium", "Voal lembut, tidak menerawang, 115 cm.", "59000", 400, "15"},
	}},
	{Key: "siam", Market: "TH", Name: "Siam Snacks", OwnerEmail: "seller.th@liveshop.demo", OwnerName: "Somchai P.", Products: []productSpec{
		{"Dried Mango 500g", "Nam Dok Mai mango, no added sugar.", "129", 300, "12"},
		{"Tom Yum Chips", "Crispy rice chips, tom yum flavour.", "45", 500, "15"},
		{"Thai Milk Tea Kit", "Tea, condensed milk powder and a shaker.", "259", 120, "10"},
	}},
	{Key: "saigon", Market: "VN", Name: "Sài Gòn Style", OwnerEmail: "seller.vn@liveshop.demo", OwnerName: "Nguyễn Lan", Products: []productSpec{
		{"Áo thun cotton", "Áo thun 100% cotton, form rộng.", "159000", 250, ""},
		{"Son kem lì", "Son kem lì mềm môi, 6 màu.", "129000", 300, ""},
		{"Nón lá Huế", "Nón lá thủ công từ Huế.", "89000", 100, ""},
	}},
	{Key: "casa", Market: "MX", Name: "Casa Colores", OwnerEmail: "seller.mx@liveshop.demo", OwnerName: "Lupita Ramos", Products: []productSpec{
		{"Taza de Talavera", "Taza pintada a mano, Puebla.", "249", 120, "12"},
		{"Rebozo de algodón", "Rebozo tejido en telar de pedal.", "599", 60, "10"},
	}},
}

var creators = []creatorSpec{
	{Email: "creator@liveshop.demo", Name: "Mia Tran", Handle: "mia.makeup", Market: "US", Bio: "Everyday glam in 10 minutes. New drops every Friday.",
		Followers: 2400, Showcase: []string{"glow"}, Lives: []liveSpec{{Title: "Glow-up Friday: lip tints and serums", Shop: "glow", Products: 5, OnAir: true}}},
	{Email: "chef@liveshop.demo", Name: "Dan Rivera", Handle: "chef.dan", Market: "US", Bio: "Weeknight dinners, zero fuss.",
		Followers: 2000, Showcase: []string{"kitchen"}, Lives: []liveSpec{{Title: "Air fryer dinners in 15 minutes", Shop: "kitchen", Products: 3, InHours: 20}}},
	{Email: "newbie@liveshop.demo", Name: "Nia Brooks", Handle: "newbie.nia", Market: "US", Bio: "Just getting started!", Followers: 120},
	{Email: "creator.gb@liveshop.demo", Name: "Tom Ellis", Handle: "tea.with.tom", Market: "GB", Bio: "Tea, tonics and tiny rituals.",
		Followers: 1100, Showcase: []string{"tea"}, Lives: []liveSpec{{Title: "Sunday tea tasting", Shop: "tea", Products: 3, InHours: 30}}},
	{Email: "creator.id@liveshop.demo", Name: "Rina Gaya", Handle: "rina.gaya", Market: "ID", Bio: "Batik, skincare, dan diskon seru!",
		Followers: 1800, Showcase: []string{"batik"}, Lives: []liveSpec{{Title: "Flash sale batik & skincare", Shop: "batik", Products: 4, OnAir: true}}},
	{Email: "creator.th@liveshop.demo", Name: "Ploy Srisuk", Handle: "ploy.eats", Market: "TH", Bio: "Thai snacks taste tests every night.",
		Followers: 1500, Showcase: []string{"siam"}, Lives: []liveSpec{{Title: "ขนมไทย taste test night", Shop: "siam", Products: 3, OnAir: true}}},
	{Email: "creator.mx@liveshop.demo", Name: "Lupe Casas", Handle: "lupe.casa", Market: "MX", Bio: "Artesanía mexicana para tu casa.",
		Followers: 1200, Showcase: []string{"casa"}, Lives: []liveSpec{{Title: "Talavera y rebozos en vivo", Shop: "casa", Products: 2, InHours: 8}}},
}

// selfBroadcasts are lives hosted by a shop itself.
var selfBroadcasts = []liveSpec{{Title: "Sài Gòn Style: xả kho cuối tuần", Shop: "saigon", Products: 3, OnAir: true}}

// audience is how many viewer accounts each market gets: enough to give its creators
// their followers and fill its rooms.
var audience = map[string]int{"US": 2500, "GB": 1200, "ID": 1900, "TH": 1600, "VN": 400, "MX": 1300}

var firstNames = map[string][]string{
	"US": {"Ava", "Liam", "Noah", "Emma", "Olivia", "Jackson", "Sophia", "Lucas", "Mia", "Ethan", "Zoe", "Caleb", "Harper", "Leo", "Aria"},
	"GB": {"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Freya", "Charlie", "Poppy"},
	"ID": {"Putri", "Budi", "Siti", "Agus", "Dewi", "Rizky", "Ayu", "Fajar", "Intan", "Yoga"},
	"TH": {"Nattaya", "Anan", "Kanya", "Somsak", "Ploy", "Krit", "Mali", "Chai", "Fah", "Arthit"},
	"VN": {"Linh", "Minh", "Trang", "Huy", "Thảo", "Nam", "Vy", "Khoa", "Ngọc", "Phúc"},
	"MX": {"Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Lucía", "Emiliano", "Regina", "Iker"},
}

var lastNames = map[string][]string{
	"US": {"Smith", "Johnson", "Garcia", "Lee", "Brown", "Davis", "Martinez", "Nguyen", "Walker", "Young"},
	"GB": {"Taylor", "Evans", "Thomas", "Roberts", "Walsh", "Wright", "Hughes", "Green"},
	"ID": {"Santoso", "Wijaya", "Pratama", "Saputra", "Hidayat", "Lestari", "Nugroho"},
	"TH": {"Srisuk", "Chaiyaporn", "Wongsa", "Boonmee", "Kaewkla", "Rattana"},
	"VN": {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ"},
	"MX": {"Hernández", "García", "Martínez", "López", "González", "Pérez"},
}

var cities = map[string][]string{
	"US": {"Austin", "Seattle", "Chicago", "Miami", "Denver", "Atlanta"},
	"GB": {"Leeds", "Bristol", "Manchester", "London", "Glasgow"},
	"ID": {"Jakarta", "Bandung", "Surabaya", "Medan", "Denpasar"},
	"TH": {"Bangkok", "Chiang Mai", "Khon Kaen", "Phuket"},
	"VN": {"Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng", "Cần Thơ"},
	"MX": {"Ciudad de México", "Guadalajara", "Monterrey", "Puebla"},
}

var chatLines = map[string][]string{
	"US": {"omg that shade 😍", "is it cruelty free?", "just ordered!", "how long does shipping take?", "love this", "can you swatch it again?", "🔥🔥🔥", "price is so good", "hi from Texas!", "does it come in coral?", "adding to cart rn", "my skin needs this"},
	"GB": {"lovely!", "is it decaf?", "just bought two", "cheers Tom", "does it ship to Wales?", "that tin is gorgeous"},
	"ID": {"kak cantik banget", "ready stok?", "sudah checkout!", "ongkir berapa kak?", "mantap 👍", "size M ada?", "diskonnya sampai kapan?"},
	"TH": {"น่ากินมาก", "สั่งแล้วค่ะ", "ส่งกี่วันคะ", "อร่อยไหม", "😍😍", "ซื้อเพิ่มอีก"},
	"VN": {"đẹp quá", "còn size M không shop", "mình đặt rồi nha", "giá tốt quá", "ship mấy ngày ạ", "❤️❤️"},
	"MX": {"¡qué bonito!", "¿hacen envíos a Monterrey?", "ya lo compré", "me encanta 😍", "¿cuánto tarda el envío?"},
}
