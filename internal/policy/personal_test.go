package policy

import "testing"

func TestEmailDetection(t *testing.T) {
	tests := []struct {
		in, masked string
	}{
		{"bob@example.org", "[redacted e-mail]"},
		{"mail first.last+tag@sub.example.co.uk.", "mail [redacted e-mail]."},
		{"two: a@x.io, b_c@y.de", "two: [redacted e-mail], [redacted e-mail]"},
		{"http://user@host.example.com/path", "http://[redacted e-mail]/path"},
		{"<.bob@example.org>", "<.[redacted e-mail]>"},
		{"a@b", "a@b"},
		{"user@localhost", "user@localhost"},
		{"x@y.c", "x@y.c"},
		{"@example.org", "@example.org"},
		{"foo@bar.123", "foo@bar.123"},
		{"a@b..com", "a@b..com"},
		{"a@@b.com", "a@@b.com"},
		{"no address", "no address"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := maskEmails(tt.in); got != tt.masked {
			t.Errorf("maskEmails(%q): got %q, want %q", tt.in, got, tt.masked)
		}
		if got, want := hasEmail(tt.in), tt.in != tt.masked; got != want {
			t.Errorf("hasEmail(%q): got %v, want %v", tt.in, got, want)
		}
	}
}

const (
	emailRef   = "email-addr--2d3f1a7c-5a0b-5e2b-9d3e-0c4b6e4a1f10"
	accountRef = "user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c"
	ind2Ref    = "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2"
	identRef   = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
	created    = `"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"`
)

func TestClassifyPersonal(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want PersonalClass
	}{
		{"plain indicator", indicatorWith(""), PersonalNone},
		{"e-mail address object", `{"type":"email-addr","id":"` + emailRef + `","value":"bob@example.org"}`, PersonalIntegral},
		{"user account", `{"type":"user-account","id":"` + accountRef + `","account_login":"bob"}`, PersonalIntegral},
		{"individual", `{"type":"identity","spec_version":"2.1","id":"` + identRef + `",` + created + `,"name":"Bob Smith","identity_class":"individual"}`, PersonalIntegral},
		{"organisation", `{"type":"identity","spec_version":"2.1","id":"` + identRef + `",` + created + `,"name":"ACME","identity_class":"organization"}`, PersonalNone},
		{"organisation contact", `{"type":"identity","spec_version":"2.1","id":"` + identRef + `",` + created + `,"name":"ACME","identity_class":"organization","contact_information":"cert@acme.example"}`, PersonalEmbedded},
		{"address in a required name", `{"type":"identity","spec_version":"2.1","id":"` + identRef + `",` + created + `,"name":"cert@acme.example","identity_class":"organization"}`, PersonalIntegral},
		{"address in a pattern", `{"type":"indicator","spec_version":"2.1","id":"` + ind2Ref + `",` + created + `,"pattern":"[email-addr:value = 'bad@evil.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, PersonalIntegral},
		{"address in a description", indicatorWith(`,"description":"sent by bad@evil.example"`), PersonalEmbedded},
		{"escaped address", indicatorWith(`,"description":"bad\u0040evil.example"`), PersonalEmbedded},
		{"address in a custom property", indicatorWith(`,"x_acme":{"owner":["ops@acme.example"]}`), PersonalEmbedded},
		{"personal reference in a custom property", indicatorWith(`,"x_acme":{"owner_ref":"` + accountRef + `"}`), PersonalEmbedded},
		{"personal reference in a custom list", indicatorWith(`,"x_acme":{"owner_refs":["` + accountRef + `"]}`), PersonalEmbedded},
		{"identity reference is not personal", indicatorWith(`,"created_by_ref":"` + identRef + `"`), PersonalNone},
		{"note authors", `{"type":"note","spec_version":"2.1","id":"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",` + created + `,"content":"seen","authors":["Bob Smith"],"object_refs":["` + ind2Ref + `"]}`, PersonalEmbedded},
		{"report thinned", `{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",` + created + `,"name":"r","published":"2026-01-01T00:00:00Z","object_refs":["` + emailRef + `","` + ind2Ref + `"]}`, PersonalEmbedded},
		{"report of personal data only", `{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",` + created + `,"name":"r","published":"2026-01-01T00:00:00Z","object_refs":["` + emailRef + `"]}`, PersonalIntegral},
		{"relationship to an address", `{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",` + created + `,"relationship_type":"related-to","source_ref":"` + ind2Ref + `","target_ref":"` + emailRef + `"}`, PersonalIntegral},
		{"e-mail message", `{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":false,"from_ref":"` + emailRef + `","subject":"invoice"}`, PersonalEmbedded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := decode(t, tt.raw)
			if got := ClassifyPersonal(o); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if got := ContainsPersonalData(o); got != (tt.want != PersonalNone) {
				t.Errorf("ContainsPersonalData: got %v", got)
			}
		})
	}
}
