package web

// Charts for the analytics and KPI pages, drawn on the server as SVG so dashboards
// need no script and no library. Amounts stay int64 minor units everywhere; floats
// appear only to place pixels. Colours are inline styles, so the stylesheet's rules
// for the older .chart class do not apply to these (.viz) charts.

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Palette: the brand's hot pink first, then colours that stay apart on white.
var chartPalette = []string{"#fe2c55", "#6b5bff", "#14b8a6", "#ff9a5a", "#0f9d58", "#b26a00", "#6b6f7b", "#c026d3"}

const (
	chartInk   = "#161823"
	chartMuted = "#6b6f7b"
	chartGrid  = "#e6e7eb"
)

// channelColour gives each channel the same colour on every chart.
func channelColour(key string) string {
	switch key {
	case analytics.ChannelLive:
		return chartPalette[0]
	case analytics.ChannelVideo:
		return chartPalette[1]
	case analytics.ChannelProductCard + "/" + analytics.SurfaceShowcase:
		return chartPalette[2]
	case analytics.ChannelProductCard:
		return chartPalette[3]
	case analytics.ChannelProductCard + "/" + analytics.SurfaceSearch:
		return chartPalette[4]
	case analytics.ChannelProductCard + "/" + analytics.SurfaceMall:
		return chartPalette[5]
	case analytics.ChannelProductCard + "/" + analytics.SurfaceAffiliateLink:
		return chartPalette[7%len(chartPalette)]
	}
	return chartPalette[6]
}

func svgEsc(s string) string { return template.HTMLEscapeString(s) }

// svgOpen starts a chart: an SVG scaled to its container's width (never drawn
// larger than twice its own size) with a title for screen readers and hover.
func svgOpen(b *strings.Builder, id, title string, w, h float64) {
	fmt.Fprintf(b, `<svg id="%s" class="viz" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" style="width:100%%;max-width:%.0fpx;height:auto;display:block;font-family:inherit">`,
		svgEsc(id), w, h, svgEsc(title), 1.6*w)
	fmt.Fprintf(b, `<title>%s</title>`, svgEsc(title))
}

func svgText(b *strings.Builder, x, y float64, anchor, colour, size, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" style="fill:%s;font-size:%s">%s</text>`, x, y, anchor, colour, size, svgEsc(s))
}

// scale maps a value to a y coordinate in a plot from top (at peak) to bottom (at 0).
func yScale(v, peak int64, top, bottom float64) float64 {
	if peak <= 0 || v <= 0 {
		return bottom
	}
	return bottom - float64(v)/float64(peak)*(bottom-top)
}

// bar is one bar of a bar chart.
type chartBar struct {
	Label string
	Value int64
	Tip   string
}

// line is a series drawn over a bar chart, one value per bar.
type chartLine struct {
	Name   string
	Values []int64
	Colour string
	Dash   string // an SVG dash pattern, empty for solid
}

// barChart draws bars with optional lines over them on the same scale, with the
// first and last labels under the axis and the peak written at the top.
func vbarChart(id, title, currency string, bars []chartBar, lines ...chartLine) template.HTML {
	const w, h, left, right, top, bottom = 640.0, 220.0, 6.0, 6.0, 20.0, 196.0
	var b strings.Builder
	svgOpen(&b, id, title, w, h)
	var peak int64
	for _, x := range bars {
		peak = max(peak, x.Value)
	}
	for _, l := range lines {
		for _, v := range l.Values {
			peak = max(peak, v)
		}
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" style="stroke:%s"/>`, left, bottom, w-right, bottom, chartGrid)
	if len(bars) == 0 {
		svgText(&b, w/2, h/2, "middle", chartMuted, "12px", "No data")
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	slot := (w - left - right) / float64(len(bars))
	for i, x := range bars {
		y := yScale(x.Value, peak, top, bottom)
		height := bottom - y
		if x.Value > 0 && height < 1.5 {
			y, height = bottom-1.5, 1.5
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2" style="fill:%s"><title>%s</title></rect>`,
			left+float64(i)*slot+slot*0.1, y, math.Max(slot*0.8, 1), height, chartPalette[0], svgEsc(x.Tip))
	}
	for _, l := range lines {
		var pts []string
		for i, v := range l.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", left+(float64(i)+0.5)*slot, yScale(v, peak, top, bottom)))
		}
		dash := ""
		if l.Dash != "" {
			dash = ";stroke-dasharray:" + l.Dash
		}
		fmt.Fprintf(&b, `<polyline class="series" data-name="%s" points="%s" style="fill:none;stroke:%s;stroke-width:2%s"><title>%s</title></polyline>`,
			svgEsc(l.Name), strings.Join(pts, " "), l.Colour, dash, svgEsc(l.Name))
	}
	svgText(&b, left, h-6, "start", chartMuted, "11px", bars[0].Label)
	svgText(&b, w-right, h-6, "end", chartMuted, "11px", bars[len(bars)-1].Label)
	if peak > 0 {
		svgText(&b, left+2, 13, "start", chartMuted, "11px", "peak "+money.New(peak, currency).Format())
	}
	svgLegend(&b, w-right, 13, lines)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// legend writes the names of lines right-aligned at (x, y).
func svgLegend(b *strings.Builder, x, y float64, lines []chartLine) {
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		label := "— " + l.Name
		if l.Dash != "" {
			label = "┅ " + l.Name
		}
		svgText(b, x, y, "end", l.Colour, "11px", label)
		x -= float64(len([]rune(label)))*6.2 + 12
	}
}

// dayBars turns daily points into bars with tooltips.
func dayBars(days []analytics.Point) []chartBar {
	out := make([]chartBar, 0, len(days))
	for _, d := range days {
		out = append(out, chartBar{Label: d.Period, Value: d.GMV.Amount, Tip: fmt.Sprintf("%s: %s, %d orders", d.Period, d.GMV.Format(), d.Orders)})
	}
	return out
}

// dailyChart draws a month's daily GMV, with the daily pace a target needs when
// there is one for the period.
func dailyChart(id, title string, days []analytics.Point, currency string, targets []analytics.Progress) template.HTML {
	var lines []chartLine
	for i, t := range targets {
		if i > 1 {
			break
		}
		pace := make([]int64, len(days))
		for j, d := range days {
			if t.Period.Contains(d.Period) {
				pace[j] = t.Amount.Amount / int64(max(t.TotalDays, 1))
			}
		}
		lines = append(lines, chartLine{Name: "pace for " + t.Period.Label + " target", Values: pace, Colour: chartPalette[1+i], Dash: "5 4"})
	}
	return vbarChart(id, title, currency, dayBars(days), lines...)
}

// hourChart draws GMV by hour of the day.
func hourChart(id, title string, hours []analytics.Point, currency string) template.HTML {
	bars := make([]chartBar, 0, len(hours))
	for _, h := range hours {
		bars = append(bars, chartBar{Label: h.Period + ":00", Value: h.GMV.Amount, Tip: fmt.Sprintf("%s:00-%s:59: %s, %d orders", h.Period, h.Period, h.GMV.Format(), h.Orders)})
	}
	return vbarChart(id, title, currency, bars)
}

// burnUp draws a target's period: GMV summed day by day against the target, the
// straight path to it, and where the linear and seasonal projections end.
func burnUp(id string, p analytics.Progress) template.HTML {
	const w, h, left, right, top, bottom = 640.0, 250.0, 6.0, 10.0, 40.0, 224.0
	var b strings.Builder
	svgOpen(&b, id, "Burn-up: "+p.Name, w, h)
	n := len(p.Days)
	target := p.Amount.Amount
	peak := max(target, p.Linear.Amount.Amount, p.Seasonal.Amount.Amount, p.Actual.Amount)
	peak += peak / 20
	if n == 0 || peak <= 0 {
		svgText(&b, w/2, h/2, "middle", chartMuted, "12px", "No data")
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	x := func(i float64) float64 { return left + i/float64(n)*(w-left-right) }
	y := func(v int64) float64 { return yScale(v, peak, top, bottom) }
	cur := p.Amount.Currency
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" style="stroke:%s"/>`, left, bottom, w-right, bottom, chartGrid)
	// The target, and the straight path that reaches it on the last day.
	fmt.Fprintf(&b, `<line class="target" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" style="stroke:%s;stroke-width:1.5"><title>Target %s</title></line>`,
		x(0), y(target), x(float64(n)), y(target), chartInk, svgEsc(p.Amount.Format()))
	fmt.Fprintf(&b, `<line class="ideal" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" style="stroke:%s;stroke-dasharray:2 4"><title>Even pace</title></line>`,
		x(0), y(0), x(float64(n)), y(target), chartMuted)
	// Actual, summed day by day, up to today.
	pts := []string{fmt.Sprintf("%.1f,%.1f", x(0), y(0))}
	last, lastI := int64(0), 0.0
	for i, d := range p.Days {
		if d.Future {
			break
		}
		last, lastI = d.Cumulative, float64(i+1)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(lastI), y(last)))
	}
	fmt.Fprintf(&b, `<polyline class="actual" points="%s" style="fill:none;stroke:%s;stroke-width:2.5"><title>Actual %s</title></polyline>`,
		strings.Join(pts, " "), chartPalette[0], svgEsc(p.Actual.Format()))
	var legend []chartLine
	if p.RemainingDays > 0 {
		for _, pr := range []struct {
			class, name, colour, dash string
			v                         analytics.Projection
		}{{"linear", "Linear", chartPalette[1], "6 4", p.Linear}, {"seasonal", "Seasonal", chartPalette[2], "2 3", p.Seasonal}} {
			fmt.Fprintf(&b, `<line class="%s" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" style="stroke:%s;stroke-width:2;stroke-dasharray:%s"><title>%s projection %s</title></line>`,
				pr.class, x(lastI), y(last), x(float64(n)), y(pr.v.Amount.Amount), pr.colour, pr.dash, pr.name, svgEsc(pr.v.Amount.Format()))
			legend = append(legend, chartLine{Name: pr.name + " " + money.New(pr.v.Amount.Amount, cur).Format(), Colour: pr.colour, Dash: pr.dash})
		}
	}
	svgText(&b, left+2, 14, "start", chartPalette[0], "12px", "Actual "+p.Actual.Format()+" ("+p.ProgressPercent()+")")
	svgText(&b, w-right, 14, "end", chartInk, "12px", "Target "+p.Amount.Format())
	svgLegend(&b, w-right, 30, legend)
	svgText(&b, left, h-6, "start", chartMuted, "11px", p.Period.Start)
	svgText(&b, w-right, h-6, "end", chartMuted, "11px", p.Period.End)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// donut draws a mix (channels, categories) as a ring with a legend.
func donut(id, title string, shares []analytics.Share, colour func(key string, i int) string) template.HTML {
	const w, h, cx, cy, r, inner = 480.0, 200.0, 100.0, 100.0, 86.0, 52.0
	var b strings.Builder
	svgOpen(&b, id, title, w, h)
	var total int64
	for _, s := range shares {
		total += max(s.GMV.Amount, 0)
	}
	if total <= 0 {
		svgText(&b, cx, cy, "middle", chartMuted, "12px", "No sales")
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	angle := -math.Pi / 2
	for i, s := range shares {
		v := max(s.GMV.Amount, 0)
		if v == 0 {
			continue
		}
		c := colour(s.Key, i)
		tip := fmt.Sprintf("%s: %s (%s)", s.Label, s.GMV.Format(), s.Percent())
		if v == total { // one slice is the whole ring: an arc cannot draw a full circle
			fmt.Fprintf(&b, `<circle class="slice" cx="%.0f" cy="%.0f" r="%.0f" style="fill:none;stroke:%s;stroke-width:%.0f"><title>%s</title></circle>`,
				cx, cy, (r+inner)/2, c, r-inner, svgEsc(tip))
			break
		}
		sweep := float64(v) / float64(total) * 2 * math.Pi
		a0, a1 := angle, angle+sweep
		large := 0
		if sweep > math.Pi {
			large = 1
		}
		fmt.Fprintf(&b, `<path class="slice" d="M %.2f %.2f A %.0f %.0f 0 %d 1 %.2f %.2f L %.2f %.2f A %.0f %.0f 0 %d 0 %.2f %.2f Z" style="fill:%s"><title>%s</title></path>`,
			cx+r*math.Cos(a0), cy+r*math.Sin(a0), r, r, large, cx+r*math.Cos(a1), cy+r*math.Sin(a1),
			cx+inner*math.Cos(a1), cy+inner*math.Sin(a1), inner, inner, large, cx+inner*math.Cos(a0), cy+inner*math.Sin(a0), c, svgEsc(tip))
		angle = a1
	}
	for i, s := range shares {
		y := 28 + float64(i)*22
		fmt.Fprintf(&b, `<rect x="210" y="%.0f" width="12" height="12" rx="2" style="fill:%s"/>`, y-10, colour(s.Key, i))
		svgText(&b, 228, y, "start", chartInk, "13px", s.Label+" · "+s.Percent())
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func channelColourFor(key string, _ int) string { return channelColour(key) }

func paletteColour(_ string, i int) string { return chartPalette[i%len(chartPalette)] }

// hbar is a labelled horizontal bar.
type hbar struct {
	Label, Value, Note string
	Amount             int64
}

// hbarChart draws labelled horizontal bars: markets side by side.
func hbarChart(id, title string, rows []hbar) template.HTML {
	const w, left, right, rowH = 640.0, 150.0, 170.0, 24.0
	h := 12 + rowH*float64(max(len(rows), 1))
	var b strings.Builder
	svgOpen(&b, id, title, w, h)
	var peak int64
	for _, r := range rows {
		peak = max(peak, r.Amount)
	}
	for i, r := range rows {
		y := 6 + float64(i)*rowH
		bw := 0.0
		if peak > 0 && r.Amount > 0 {
			bw = math.Max(float64(r.Amount)/float64(peak)*(w-left-right), 1.5)
		}
		svgText(&b, left-8, y+15, "end", chartInk, "12px", r.Label)
		fmt.Fprintf(&b, `<rect class="bar" x="%.0f" y="%.1f" width="%.1f" height="%.0f" rx="3" style="fill:%s"><title>%s: %s %s</title></rect>`,
			left, y+3, bw, rowH-8, chartPalette[i%len(chartPalette)], svgEsc(r.Label), svgEsc(r.Value), svgEsc(r.Note))
		svgText(&b, left+bw+6, y+15, "start", chartMuted, "11px", strings.TrimSpace(r.Value+" "+r.Note))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// minuteChart draws a live session minute by minute: GMV each minute as bars and the
// running total as a line on its own scale (right), so both read at a glance.
func minuteChart(id string, v analytics.SessionView) template.HTML {
	const w, h, left, right, top, bottom = 640.0, 220.0, 6.0, 6.0, 20.0, 196.0
	var b strings.Builder
	svgOpen(&b, id, "GMV per minute: "+v.Session.Title, w, h)
	n := len(v.Minutes)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" style="stroke:%s"/>`, left, bottom, w-right, bottom, chartGrid)
	if n == 0 {
		svgText(&b, w/2, h/2, "middle", chartMuted, "12px", "No sales in this live")
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	var peak, final int64
	for _, m := range v.Minutes {
		peak = max(peak, m.GMV.Amount)
		final = max(final, m.Cumulative.Amount)
	}
	slot := (w - left - right) / float64(n)
	var pts []string
	for i, m := range v.Minutes {
		yv := yScale(m.GMV.Amount, peak, top, bottom)
		fmt.Fprintf(&b, `<rect class="bar" x="%.2f" y="%.1f" width="%.2f" height="%.1f" style="fill:%s"><title>%s: %s, %d orders</title></rect>`,
			left+float64(i)*slot, yv, math.Max(slot-0.5, 0.5), bottom-yv, chartPalette[0], m.At.UTC().Format("15:04"), svgEsc(m.GMV.Format()), m.Orders)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", left+(float64(i)+0.5)*slot, yScale(m.Cumulative.Amount, final, top, bottom)))
	}
	fmt.Fprintf(&b, `<polyline class="series" data-name="cumulative" points="%s" style="fill:none;stroke:%s;stroke-width:2"><title>Running total %s</title></polyline>`,
		strings.Join(pts, " "), chartPalette[1], svgEsc(v.Session.GMV.Format()))
	cur := v.Session.GMV.Currency
	svgText(&b, left+2, 13, "start", chartMuted, "11px", "busiest minute "+money.New(peak, cur).Format())
	svgText(&b, w-right, 13, "end", chartPalette[1], "11px", "— running total "+money.New(final, cur).Format())
	svgText(&b, left, h-6, "start", chartMuted, "11px", v.Minutes[0].At.UTC().Format("15:04 UTC"))
	svgText(&b, w-right, h-6, "end", chartMuted, "11px", v.Minutes[n-1].At.UTC().Format("15:04 UTC"))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
