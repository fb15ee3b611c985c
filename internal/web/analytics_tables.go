package web

// Tables on the analytics and KPI pages are built once as data and then either
// rendered into the page or, with ?export=<table id>, written as CSV: every table a
// person sees can be downloaded, and the download has exactly its rows.

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// tableCell is one table cell: what a person reads, and what the CSV gets.
type tableCell struct {
	Text string
	CSV  string // empty: Text
	Href string
	Num  bool
	Tone string // "up" or "down" colours growth
}

func cellText(s string) tableCell { return tableCell{Text: s} }

func cellLink(s, href string) tableCell { return tableCell{Text: s, Href: href} }

// amount shows money in its currency's way and exports the plain decimal.
func cellAmount(m money.Money) tableCell {
	return tableCell{Text: m.Format(), CSV: m.Decimal(), Num: true}
}

func cellCount(n int64) tableCell {
	return tableCell{Text: groupDigits(n), CSV: strconv.FormatInt(n, 10), Num: true}
}

func cellShare(bp int64) tableCell {
	return tableCell{Text: money.BP(bp).Percent(), CSV: fmt.Sprintf("%.2f", float64(bp)/100), Num: true}
}

func cellGrowth(g analytics.Growth) tableCell {
	c := tableCell{Text: g.Label(), Num: true}
	if g.BP != nil {
		c.CSV = fmt.Sprintf("%.2f", float64(*g.BP)/100)
	} else {
		c.CSV = ""
	}
	switch {
	case g.Up():
		c.Tone = "up"
	case g.Down():
		c.Tone = "down"
	}
	return c
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// dataTable is a table of a page.
type dataTable struct {
	ID    string
	Title string
	Head  []string
	Rows  [][]tableCell
	Empty string // shown when there are no rows
	// CSVHref is the page's own address with export=ID, set by exportOrRender.
	CSVHref string
}

// HTML renders the table with its CSV link. Every string is escaped here.
func (t dataTable) HTML() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<section class="card table-wrap" style="margin-top:14px"><div class="row spread"><h2 style="margin:0">%s</h2>`, svgEsc(t.Title))
	if t.CSVHref != "" {
		fmt.Fprintf(&b, `<a class="btn ghost small csv" href="%s" download>CSV</a>`, svgEsc(t.CSVHref))
	}
	b.WriteString(`</div>`)
	if len(t.Rows) == 0 {
		fmt.Fprintf(&b, `<p class="muted" id="%s">%s</p></section>`, svgEsc(t.ID), svgEsc(t.Empty))
		return template.HTML(b.String())
	}
	// Long tables (every day of a year, every minute of a live) fold away; the CSV
	// link still downloads every row.
	folded := len(t.Rows) > foldRows
	if folded {
		fmt.Fprintf(&b, `<details><summary class="small">Show all %d rows</summary>`, len(t.Rows))
	}
	fmt.Fprintf(&b, `<table id="%s"><tr>`, svgEsc(t.ID))
	for i, h := range t.Head {
		class := ""
		if len(t.Rows) > 0 && i < len(t.Rows[0]) && t.Rows[0][i].Num {
			class = ` class="num"`
		}
		fmt.Fprintf(&b, `<th%s>%s</th>`, class, svgEsc(h))
	}
	b.WriteString(`</tr>`)
	for _, row := range t.Rows {
		b.WriteString(`<tr>`)
		for _, c := range row {
			class := ""
			if c.Num {
				class = ` class="num"`
			}
			style := ""
			switch c.Tone {
			case "up":
				style = ` style="color:#0f9d58"`
			case "down":
				style = ` style="color:#c8103a"`
			}
			fmt.Fprintf(&b, `<td%s%s>`, class, style)
			if c.Href != "" {
				fmt.Fprintf(&b, `<a href="%s">%s</a>`, svgEsc(c.Href), svgEsc(c.Text))
			} else {
				b.WriteString(svgEsc(c.Text))
			}
			b.WriteString(`</td>`)
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</table>`)
	if folded {
		b.WriteString(`</details>`)
	}
	b.WriteString(`</section>`)
	return template.HTML(b.String())
}

// foldRows is how many rows a table shows before folding away.
const foldRows = 40

// exported answers a request for one of the page's tables as CSV (?export=ID) and
// reports whether it did; otherwise it points every table's CSV link at this page.
// An export of a table the page does not have is refused with the names it has.
func (s *Server) exported(w http.ResponseWriter, r *http.Request, name string, tables []*dataTable) bool {
	want := r.URL.Query().Get("export")
	for _, t := range tables {
		q := r.URL.Query()
		q.Set("export", t.ID)
		t.CSVHref = r.URL.Path + "?" + q.Encode()
	}
	if want == "" {
		return false
	}
	var ids []string
	for _, t := range tables {
		if t.ID != want {
			ids = append(ids, t.ID)
			continue
		}
		filename := name + "-" + t.ID + ".csv"
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(filename)+`"`)
		w.Header().Set("Cache-Control", "no-store")
		cw := csv.NewWriter(w)
		_ = cw.Write(t.Head)
		for _, row := range t.Rows {
			rec := make([]string, len(row))
			for i, c := range row {
				rec[i] = c.Text
				if c.CSV != "" || c.Num {
					rec[i] = c.CSV
				}
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		return true
	}
	s.fail(w, r, errs.Invalidf("export", "this page has no table %q to export; it has %s", want, strings.Join(ids, ", ")))
	return true
}
