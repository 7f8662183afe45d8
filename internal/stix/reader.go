package stix

import (
	"errors"
	"fmt"
	"io"
)

// Reader reads STIX objects one by one from a stream, without ever holding more than one
// object in memory. It accepts, in any sequence separated by white space:
//   - a bundle, or any JSON object holding an "objects" array (a TAXII envelope);
//   - a JSON array of objects;
//   - single objects (one document, or JSON lines).
//
// Next returns each object's raw JSON. An object that is too large or nested too deeply is
// reported as an *ObjectError and skipped: reading goes on with the next object. Anything that
// makes the rest of the stream unreadable (not JSON, truncated) is a *StreamError, returned from
// then on.
type Reader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	base     int64 // stream offset of buf[0]

	MaxObjectSize int // bytes; default MaxObjectSize
	MaxDepth      int // nesting levels inside one object; default 100

	// frames of containers being streamed: '[' for an array of objects, '{' for a container
	// object whose remaining keys are still to be skipped after its "objects" array.
	frames []byte
	count  int // objects started so far
	err    error
	obj    []byte
	key    []byte
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, 64<<10), MaxObjectSize: MaxObjectSize, MaxDepth: 100}
}

// ObjectError is a problem with one object in the stream; the stream itself is still readable.
type ObjectError struct {
	Index  int   // 1-based position of the object in the stream
	Offset int64 // byte offset where the object starts
	Err    error
}

func (e *ObjectError) Error() string {
	return fmt.Sprintf("object %d (at byte %d): %v", e.Index, e.Offset, e.Err)
}

func (e *ObjectError) Unwrap() error { return e.Err }

// StreamError is a problem that stops reading: the input is not JSON of an accepted shape, or ends
// in the middle of a value.
type StreamError struct {
	Offset int64
	Err    error
}

func (e *StreamError) Error() string { return fmt.Sprintf("at byte %d: %v", e.Offset, e.Err) }

func (e *StreamError) Unwrap() error { return e.Err }

// ErrTruncated is wrapped by the StreamError for input that ends inside a value.
var ErrTruncated = errors.New("input ends in the middle of a JSON value (truncated?)")

// Count returns how many objects have been started so far (including rejected ones).
func (r *Reader) Count() int { return r.count }

// Offset returns the current byte offset in the stream.
func (r *Reader) Offset() int64 { return r.base + int64(r.pos) }

// Next returns the raw JSON of the next object, valid until the following call. At the end of
// the input it returns io.EOF.
func (r *Reader) Next() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	b, err := r.next()
	if err != nil {
		var oe *ObjectError
		if !errors.As(err, &oe) {
			if err != io.EOF {
				var se *StreamError
				if !errors.As(err, &se) {
					err = &StreamError{Offset: r.Offset(), Err: err}
				}
			}
			r.err = err
		}
	}
	return b, err
}

func (r *Reader) next() ([]byte, error) {
	for {
		c, err := r.skipSpace()
		if err == io.EOF {
			if len(r.frames) > 0 {
				return nil, ErrTruncated
			}
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		if len(r.frames) == 0 {
			switch c {
			case '[':
				r.pos++
				r.frames = append(r.frames, '[')
				if err := r.afterArrayOpen(); err != nil {
					return nil, err
				}
				continue
			case '{':
				b, err := r.topObject()
				if err == errContainer {
					continue
				}
				return b, err
			default:
				return nil, fmt.Errorf("expected a STIX bundle, an object or an array of objects, found %s", describeByte(c))
			}
		}
		top := r.frames[len(r.frames)-1]
		if top == '{' {
			// Remaining keys of a container object after its objects array.
			if err := r.finishContainer(); err != nil {
				return nil, err
			}
			continue
		}
		// Inside an array of objects.
		if r.justOpened() {
			return r.element()
		}
		switch c {
		case ']':
			r.pos++
			r.frames = r.frames[:len(r.frames)-1]
			continue
		case ',':
			r.pos++
			c, err = r.skipSpace()
			if err != nil {
				return nil, eofIsTruncated(err)
			}
			if c == ']' {
				return nil, errors.New("a comma before ] in the objects array")
			}
			return r.element()
		default:
			return nil, fmt.Errorf("expected , or ] between objects, found %s", describeByte(c))
		}
	}
}

// justOpened reports whether the array on top of the frames has not yielded an element yet.
// It is tracked with a marker byte.
func (r *Reader) justOpened() bool {
	return len(r.frames) > 0 && r.frames[len(r.frames)-1] == '['+0x80
}

func (r *Reader) afterArrayOpen() error {
	r.frames[len(r.frames)-1] = '[' + 0x80
	c, err := r.skipSpace()
	if err != nil {
		return eofIsTruncated(err)
	}
	if c == ']' {
		r.pos++
		r.frames = r.frames[:len(r.frames)-1]
	}
	return nil
}

func (r *Reader) element() ([]byte, error) {
	if r.justOpened() {
		r.frames[len(r.frames)-1] = '['
	}
	r.count++
	start := r.Offset()
	r.obj = r.obj[:0]
	if err := r.value(&r.obj, true); err != nil {
		var lim *limitError
		if errors.As(err, &lim) {
			return nil, &ObjectError{Index: r.count, Offset: start, Err: lim}
		}
		return nil, eofIsTruncated(err)
	}
	return r.obj, nil
}

// topObject reads a top-level JSON object. When it holds an "objects" array it is a container
// and its elements are streamed; otherwise it is returned whole as one object.
func (r *Reader) topObject() ([]byte, error) {
	r.count++
	index, start := r.count, r.Offset()
	r.obj = append(r.obj[:0], '{')
	r.pos++
	var limErr error
	for first := true; ; first = false {
		c, err := r.skipSpace()
		if err != nil {
			return nil, eofIsTruncated(err)
		}
		if c == '}' {
			r.pos++
			r.obj = append(r.obj, '}')
			break
		}
		if !first {
			if c != ',' {
				return nil, fmt.Errorf("expected , or } in an object, found %s", describeByte(c))
			}
			r.pos++
			r.obj = append(r.obj, ',')
			if c, err = r.skipSpace(); err != nil {
				return nil, eofIsTruncated(err)
			}
		}
		if c != '"' {
			return nil, fmt.Errorf("expected a property name, found %s", describeByte(c))
		}
		r.key = r.key[:0]
		if err := r.value(&r.key, true); err != nil {
			return nil, eofIsTruncated(err)
		}
		if limErr == nil {
			r.obj = append(r.obj, r.key...)
		}
		key := string(r.key)
		if c, err = r.skipSpace(); err != nil {
			return nil, eofIsTruncated(err)
		}
		if c != ':' {
			return nil, fmt.Errorf("expected : after property name %s, found %s", clip(key), describeByte(c))
		}
		r.pos++
		r.obj = append(r.obj, ':')
		if c, err = r.skipSpace(); err != nil {
			return nil, eofIsTruncated(err)
		}
		if key == `"objects"` && c == '[' {
			// A container: forget what was buffered and stream the array.
			r.count--
			r.pos++
			r.frames = append(r.frames, '{', '[')
			return nil, r.containerStarted()
		}
		if err := r.value(&r.obj, limErr == nil); err != nil {
			var lim *limitError
			if !errors.As(err, &lim) {
				return nil, eofIsTruncated(err)
			}
			limErr = lim
		}
		if limErr == nil && len(r.obj) > r.MaxObjectSize {
			limErr = &limitError{fmt.Sprintf("larger than %d bytes", r.MaxObjectSize)}
		}
	}
	if limErr != nil {
		return nil, &ObjectError{Index: index, Offset: start, Err: limErr}
	}
	return r.obj, nil
}

// errContainer is an internal signal that topObject switched to streaming a container.
var errContainer = errors.New("container")

func (r *Reader) containerStarted() error {
	if err := r.afterArrayOpen(); err != nil {
		return err
	}
	return errContainer
}

// finishContainer skips the keys that follow a container's objects array, up to its '}'.
func (r *Reader) finishContainer() error {
	var scratch []byte
	for {
		c, err := r.skipSpace()
		if err != nil {
			return eofIsTruncated(err)
		}
		switch c {
		case '}':
			r.pos++
			r.frames = r.frames[:len(r.frames)-1]
			return nil
		case ',':
			r.pos++
			if c, err = r.skipSpace(); err != nil {
				return eofIsTruncated(err)
			}
			if c != '"' {
				return fmt.Errorf("expected a property name, found %s", describeByte(c))
			}
			scratch = scratch[:0]
			if err := r.value(&scratch, false); err != nil {
				return eofIsTruncated(err)
			}
			if c, err = r.skipSpace(); err != nil {
				return eofIsTruncated(err)
			}
			if c != ':' {
				return fmt.Errorf("expected : after a property name, found %s", describeByte(c))
			}
			r.pos++
			if _, err = r.skipSpace(); err != nil {
				return eofIsTruncated(err)
			}
			scratch = scratch[:0]
			if err := r.value(&scratch, false); err != nil {
				var lim *limitError
				if !errors.As(err, &lim) {
					return eofIsTruncated(err)
				}
			}
		default:
			return fmt.Errorf("expected , or } after the objects array, found %s", describeByte(c))
		}
	}
}

type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// value copies one JSON value into *dst (when keep; it is then bounded by MaxObjectSize and
// MaxDepth) or skips it. Syntax inside the value is checked only as far as brackets and strings;
// the full check is Decode's.
func (r *Reader) value(dst *[]byte, keep bool) error {
	var stack []byte
	depth := 0
	var lim error
	out := *dst
	defer func() { *dst = out }()
	startLen := len(out)
	startOff := r.Offset()
	for {
		if r.pos >= r.end {
			if err := r.fill(); err != nil {
				return err
			}
		}
		c := r.buf[r.pos]
		switch {
		case c == '"':
			// Copy the whole string, scanning the buffer in runs.
			r.pos++
			if keep && lim == nil {
				out = append(out, '"')
			}
			for {
				if r.pos >= r.end {
					if err := r.fill(); err != nil {
						return err
					}
				}
				i := r.pos
				for i < r.end && r.buf[i] != '"' && r.buf[i] != '\\' {
					i++
				}
				if keep && lim == nil {
					out = append(out, r.buf[r.pos:i]...)
					if len(out)-startLen > r.MaxObjectSize {
						lim = &limitError{fmt.Sprintf("larger than %d bytes", r.MaxObjectSize)}
						out = out[:startLen]
					}
				}
				r.pos = i
				if i == r.end {
					continue
				}
				if keep && lim == nil {
					out = append(out, r.buf[i])
				}
				r.pos++
				if r.buf[i] == '"' {
					break
				}
				// Escape: copy the escaped byte too.
				if r.pos >= r.end {
					if err := r.fill(); err != nil {
						return err
					}
				}
				if keep && lim == nil {
					out = append(out, r.buf[r.pos])
				}
				r.pos++
			}
		case c == '{' || c == '[':
			depth++
			if depth <= r.MaxDepth+1 {
				stack = append(stack, c)
			} else if keep && lim == nil {
				lim = &limitError{fmt.Sprintf("nested deeper than %d levels", r.MaxDepth)}
			}
			if keep && lim == nil {
				out = append(out, c)
			}
			r.pos++
		case c == '}' || c == ']':
			if depth == 0 {
				return r.finish(lim, startOff) // the enclosing container's closer
			}
			if depth <= r.MaxDepth+1 {
				open := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if open == '{' && c != '}' || open == '[' && c != ']' {
					return fmt.Errorf("%s does not close %s", describeByte(c), describeByte(open))
				}
			}
			depth--
			if keep && lim == nil {
				out = append(out, c)
			}
			r.pos++
		case depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':'):
			return r.finish(lim, startOff)
		default:
			if keep && lim == nil {
				out = append(out, c)
			}
			r.pos++
		}
		if keep && lim == nil && len(out)-startLen > r.MaxObjectSize {
			lim = &limitError{fmt.Sprintf("larger than %d bytes", r.MaxObjectSize)}
			out = out[:startLen]
		}
		if depth == 0 && c != '"' && (c == '}' || c == ']') {
			return r.finish(lim, startOff)
		}
		if depth == 0 && c == '"' {
			return r.finish(lim, startOff)
		}
	}
}

func (r *Reader) finish(lim error, startOff int64) error {
	if lim != nil {
		return lim
	}
	if r.Offset() == startOff {
		return errors.New("expected a value")
	}
	return nil
}

// skipSpace advances past white space and returns the next byte without consuming it.
func (r *Reader) skipSpace() (byte, error) {
	for {
		for r.pos < r.end {
			c := r.buf[r.pos]
			if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
				return c, nil
			}
			r.pos++
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
}

func (r *Reader) fill() error {
	r.base += int64(r.end)
	r.pos, r.end = 0, 0
	for r.end == 0 {
		n, err := r.r.Read(r.buf)
		r.end = n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func eofIsTruncated(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return ErrTruncated
	}
	return err
}

func describeByte(c byte) string {
	switch {
	case c == '[' || c == ']' || c == '{' || c == '}' || c == ',' || c == ':' || c == '"':
		return fmt.Sprintf("%q", string(c))
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", string(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
