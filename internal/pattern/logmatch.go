package pattern

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
)

// Format is the format of a log given to LogMatcher.
type Format uint8

// Log formats. Every format is scanned for addresses, domains, URLs, hashes and e-mail
// addresses wherever they appear; the format adds what it knows: Zeek fields are named in hits
// and its header lines skipped, JSON strings are unescaped, and whole Zeek fields, JSON strings
// and quoted parts of web server logs are also looked up among the other values (user agents,
// file names, …).
const (
	FormatAuto  Format = iota // decided from the first line that is not empty
	FormatText                // any text, one record per line
	FormatJSONL               // JSON lines
	FormatZeek                // Zeek TSV logs with their #fields header
	FormatCLF                 // web server common or combined log format
)

var formatNames = [...]string{FormatAuto: "auto", FormatText: "text", FormatJSONL: "jsonl", FormatZeek: "zeek", FormatCLF: "clf"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// ParseFormat reads a format name: auto, text, jsonl, zeek or clf.
func ParseFormat(s string) (Format, error) {
	for f, n := range formatNames {
		if n == s {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown log format %q: want auto, text, jsonl, zeek or clf", s)
}

// LogHit is one indicator value found in a log line.
type LogHit struct {
	Line           int64  `json:"line"`
	Field          string `json:"field,omitempty"` // the Zeek field it was found in
	Value          string `json:"value"`           // as found, normalised (lower case, …)
	Kind           string `json:"kind"`            // Kind.String, or the object path of an other value
	IndicatorValue string `json:"indicator_value"` // the indicator's value: a prefix, a *.wildcard, or the value itself
	IndicatorID    string `json:"indicator_id"`
	Collection     string `json:"collection"`
	TLP            string `json:"tlp"`
	Source         string `json:"source"`               // the organisation the indicator came from
	Confidence     *int   `json:"confidence,omitempty"` // absent when the indicator states none
	// Partial says the indicator's pattern asks for more than this value (other comparisons,
	// qualifiers): the hit is a lead to check.
	Partial bool `json:"partial,omitempty"`
}

// LogStats counts what a scan saw.
type LogStats struct {
	Format      Format
	Lines       int64 // lines read, skipped ones included
	Hits        int64
	LongLines   int64 // lines longer than MaxLineLen, skipped
	BinaryLines int64 // lines holding NUL bytes, skipped
}

func (s *LogStats) add(o LogStats) {
	s.Lines += o.Lines
	s.Hits += o.Hits
	s.LongLines += o.LongLines
	s.BinaryLines += o.BinaryLines
}

// DefaultMaxLineLen is the longest line LogMatcher scans unless told otherwise.
const DefaultMaxLineLen = 1 << 20

// blockSize is how much of a log one worker scans at a time.
const blockSize = 256 << 10

// LogMatcher finds the index's values in logs, for one reader of the index.
type LogMatcher struct {
	Index  *Index
	Filter *Filter // who the hits are for; required
	Format Format
	// MaxLineLen is the longest line scanned; longer lines are skipped and counted. Zero means
	// DefaultMaxLineLen.
	MaxLineLen int
	// Workers is how many lines are scanned in parallel; zero means GOMAXPROCS.
	Workers int
}

type block struct {
	seq       int
	firstLine int64
	data      []byte
	fields    []string // the Zeek fields in force at the block's start
	hits      []LogHit
	stats     LogStats
}

// Scan reads r to its end and calls emit for every hit, in line order. It stops at the first
// error of r or emit, or when ctx is done. Lines that cannot be text (NUL bytes) and lines
// longer than MaxLineLen are skipped and counted; nothing in a log makes Scan fail or take
// more than linear time.
func (m *LogMatcher) Scan(ctx context.Context, r io.Reader, emit func(*LogHit) error) (LogStats, error) {
	if m.Filter == nil {
		return LogStats{}, errors.New("log matching: no filter: every read of the index needs one")
	}
	maxLine := m.MaxLineLen
	if maxLine <= 0 {
		maxLine = DefaultMaxLineLen
	}
	workers := m.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	m.Index.mu.RLock()
	m.Filter.prepare(m.Index)
	m.Index.mu.RUnlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *block, workers)
	done := make(chan *block, workers)
	var stats LogStats
	stats.Format = m.Format
	readErr := make(chan error, 1)
	var detected sync.Once
	formatReady := make(chan struct{})
	go func() {
		defer close(jobs)
		readErr <- m.read(ctx, r, maxLine, jobs, &stats, func(first []byte) {
			detected.Do(func() {
				if stats.Format == FormatAuto {
					stats.Format = DetectFormat(first)
				}
				close(formatReady)
			})
		})
		detected.Do(func() {
			if stats.Format == FormatAuto {
				stats.Format = FormatText
			}
			close(formatReady)
		})
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-formatReady
			sc := &scanner{x: m.Index}
			for b := range jobs {
				m.scanBlock(sc, b, stats.Format, maxLine)
				select {
				case done <- b:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	pending := map[int]*block{}
	next := 0
	var emitErr error
	var counted LogStats
	for b := range done {
		pending[b.seq] = b
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			counted.add(b.stats)
			for i := range b.hits {
				if emitErr == nil {
					if err := emit(&b.hits[i]); err != nil {
						emitErr = err
						cancel()
					}
				}
			}
		}
	}
	err := <-readErr
	counted.Format = stats.Format
	counted.Lines += stats.Lines
	counted.LongLines += stats.LongLines
	if emitErr != nil {
		return counted, emitErr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return counted, err
	}
	return counted, ctx.Err()
}

// read cuts r into blocks of whole lines. Lines longer than maxLine are dropped here, counted
// in st; first is called with the first block.
func (m *LogMatcher) read(ctx context.Context, r io.Reader, maxLine int, out chan<- *block, st *LogStats, first func([]byte)) error {
	buf := make([]byte, 0, blockSize)
	var line int64 = 1
	seq := 0
	skipping := false
	var fields []string
	var rerr error
	for rerr == nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		for len(buf) < cap(buf) && rerr == nil {
			k, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+k]
			rerr = err
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("reading the log: %w", rerr)
		}
		eof := rerr != nil
		if skipping {
			k := bytes.IndexByte(buf, '\n')
			if k < 0 {
				buf = buf[:0]
				continue
			}
			skipping = false
			buf = buf[:copy(buf, buf[k+1:])]
		}
		cut := bytes.LastIndexByte(buf, '\n')
		if cut < 0 && !eof {
			if len(buf) > maxLine {
				st.Lines++
				st.LongLines++
				line++
				skipping = true
				buf = buf[:0]
			} else if len(buf) == cap(buf) {
				buf = append(buf, make([]byte, min(cap(buf), maxLine+1))...)[:len(buf)]
			}
			continue
		}
		data, rest := buf, []byte(nil)
		if !eof {
			data, rest = buf[:cut+1], buf[cut+1:]
		}
		if len(data) == 0 {
			continue
		}
		if seq == 0 {
			first(data)
		}
		b := &block{seq: seq, firstLine: line, data: data, fields: fields}
		seq++
		line += int64(bytes.Count(data, newline))
		if data[len(data)-1] != '\n' {
			line++
		}
		if k := bytes.LastIndex(data, fieldsHeader); k >= 0 && (k == 0 || data[k-1] == '\n') {
			fields = zeekFields(data[k:])
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		next := make([]byte, 0, max(blockSize, len(rest)*2))
		buf = append(next, rest...)
	}
	return nil
}

var (
	newline      = []byte{'\n'}
	fieldsHeader = []byte("#fields\t")
)

// zeekFields reads the field names of a "#fields" header line.
func zeekFields(b []byte) []string {
	if k := bytes.IndexByte(b, '\n'); k >= 0 {
		b = b[:k]
	}
	b = bytes.TrimSuffix(b, []byte{'\r'})
	parts := strings.Split(string(b), "\t")
	return parts[1:]
}

// DetectFormat guesses the format of a log from its beginning: Zeek when it starts with a
// "#separator" header, JSON lines when the first line that is not empty starts with '{', the
// common log format when that line looks like "host ident user [time] ", and text otherwise.
func DetectFormat(b []byte) Format {
	if bytes.HasPrefix(b, []byte("#separator")) || bytes.HasPrefix(b, fieldsHeader) {
		return FormatZeek
	}
	for len(b) > 0 {
		k := bytes.IndexByte(b, '\n')
		l := b
		if k >= 0 {
			l, b = b[:k], b[k+1:]
		} else {
			b = nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		switch {
		case l[0] == '{':
			return FormatJSONL
		case isCLF(l):
			return FormatCLF
		}
		return FormatText
	}
	return FormatText
}

// isCLF reports whether a line starts like the common log format: three fields and a
// bracketed time.
func isCLF(l []byte) bool {
	for range 3 {
		k := bytes.IndexByte(l, ' ')
		if k <= 0 {
			return false
		}
		l = l[k+1:]
	}
	return len(l) > 0 && l[0] == '['
}

// scanBlock scans the lines of one block under the index's read lock and fills in its hits.
func (m *LogMatcher) scanBlock(sc *scanner, b *block, f Format, maxLine int) {
	x := m.Index
	x.mu.RLock()
	defer x.mu.RUnlock()
	data := b.data
	line := b.firstLine
	fields := b.fields
	for len(data) > 0 {
		var l []byte
		if k := bytes.IndexByte(data, '\n'); k >= 0 {
			l, data = data[:k], data[k+1:]
		} else {
			l, data = data, nil
		}
		b.stats.Lines++
		n := line
		line++
		if len(l) > maxLine {
			b.stats.LongLines++
			continue
		}
		if bytes.IndexByte(l, 0) >= 0 {
			b.stats.BinaryLines++
			continue
		}
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		sc.hits = sc.hits[:0]
		sc.field = -1
		switch f {
		case FormatZeek:
			if len(l) > 0 && l[0] == '#' {
				if bytes.HasPrefix(l, fieldsHeader) {
					fields = zeekFields(l)
				}
				continue
			}
			sc.scanZeek(l)
		case FormatJSONL:
			sc.scanJSON(l)
		case FormatCLF:
			sc.scanText(l)
			if len(x.others) > 0 {
				sc.scanQuoted(l)
			}
		default:
			sc.scanText(l)
		}
		if len(sc.hits) > 0 {
			b.hits = m.report(b.hits, sc.hits, n, fields)
		}
	}
	b.stats.Hits = int64(len(b.hits))
	b.data = nil
}

// report turns what the scanner found into hits for the reader; the read lock is held.
func (m *LogMatcher) report(out []LogHit, found []found, line int64, fields []string) []LogHit {
	x := m.Index
	for i := range found {
		fd := &found[i]
		x.eachSlot(fd.p, func(n uint32) {
			if !m.Filter.admits(x, n) {
				return
			}
			s := &x.slots[n]
			h := LogHit{
				Line: line, Value: fd.value, Kind: fd.term.Kind.String(), IndicatorValue: fd.term.Display(),
				IndicatorID: formatUUID("indicator", s.uuid), Collection: x.strs[s.coll], TLP: s.tlp.String(),
				Source: x.strs[s.origin], Partial: s.flags&slotComplete == 0,
			}
			if fd.term.Kind == KindOther {
				h.Kind = fd.term.Path
			}
			if s.confidence >= 0 {
				c := int(s.confidence)
				h.Confidence = &c
			}
			if fd.field >= 0 && fd.field < len(fields) {
				h.Field = fields[fd.field]
			}
			out = append(out, h)
		})
	}
	return out
}

// scanZeek scans each tab-separated field, and looks whole fields up among the other values.
func (sc *scanner) scanZeek(l []byte) {
	field := 0
	for len(l) > 0 || field == 0 {
		v := l
		if k := bytes.IndexByte(l, '\t'); k >= 0 {
			v, l = l[:k], l[k+1:]
		} else {
			l = nil
		}
		sc.field = field
		field++
		if len(v) == 0 || (len(v) == 1 && v[0] == '-') || string(v) == "(empty)" {
			if l == nil {
				break
			}
			continue
		}
		sc.scanText(v)
		if len(sc.x.others) > 0 {
			sc.other(v)
		}
		if l == nil {
			break
		}
	}
}

// scanJSON scans a JSON line: its strings unescaped, each also looked up among the other
// values. Text outside strings (numbers, keys' punctuation) holds no values worth finding.
func (sc *scanner) scanJSON(l []byte) {
	var buf []byte
	for i := 0; i < len(l); i++ {
		if l[i] != '"' {
			continue
		}
		j := i + 1
		esc := false
		for j < len(l) && l[j] != '"' {
			if l[j] == '\\' {
				esc = true
				j++
			}
			j++
		}
		if j > len(l) {
			j = len(l)
		}
		s := l[i+1 : j]
		if esc {
			buf = unescapeJSON(buf[:0], s)
			s = buf
		}
		sc.scanText(s)
		if len(sc.x.others) > 0 {
			sc.other(s)
		}
		i = j
	}
}

// unescapeJSON appends the JSON string body s with its escapes resolved; \u escapes outside
// ASCII become '?', which can be part of no value the scanner looks for.
func unescapeJSON(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'r', 't', 'b', 'f':
			dst = append(dst, ' ')
		case 'u':
			if i+4 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) && isHexDigit(s[i+3]) && isHexDigit(s[i+4]) {
				r := rune(unhex(s[i+1]))<<12 | rune(unhex(s[i+2]))<<8 | rune(unhex(s[i+3]))<<4 | rune(unhex(s[i+4]))
				if r < 0x80 {
					dst = append(dst, byte(r))
				} else {
					dst = append(dst, '?')
				}
				i += 4
			}
		default:
			dst = append(dst, s[i])
		}
	}
	return dst
}

// scanQuoted looks up the quoted parts of a web server log line (request, referrer, user
// agent) among the other values.
func (sc *scanner) scanQuoted(l []byte) {
	for {
		i := bytes.IndexByte(l, '"')
		if i < 0 {
			return
		}
		l = l[i+1:]
		j := bytes.IndexByte(l, '"')
		if j < 0 {
			return
		}
		sc.other(l[:j])
		l = l[j+1:]
	}
}
