package gen_test

import (
	"context"
	"fmt"
	"os"

	"github.com/entente/entente/internal/gen"
)

// A corpus opens with the OASIS TLP 2.0 marking definitions that its objects refer to.
func ExampleWrite() {
	err := gen.Write(context.Background(), os.Stdout, gen.Options{Objects: 1, Seed: 1})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"type":"bundle","id":"bundle--c1c7a4c0-5560-4688-a993-c540bb6ab277","objects":[
	// {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}
	// ]}
}
