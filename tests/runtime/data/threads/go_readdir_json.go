// os.ReadDir of a directory the test fills, its entries encoded with
// encoding/json, written to listing.json in the working directory, read back
// and decoded.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

type entry struct {
	Name  string `json:"name"`
	Dir   bool   `json:"dir"`
	Size  int64  `json:"size"`
	Lines int    `json:"lines,omitempty"`
}

func main() {
	dir := "data"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		fmt.Println("ReadDir:", err)
		os.Exit(1)
	}
	var listing []entry
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			fmt.Println("Info:", err)
			os.Exit(1)
		}
		item := entry{Name: e.Name(), Dir: e.IsDir()}
		if !e.IsDir() {
			item.Size = info.Size()
			data, err := os.ReadFile(dir + "/" + e.Name())
			if err != nil {
				fmt.Println("ReadFile:", err)
				os.Exit(1)
			}
			for _, b := range data {
				if b == '\n' {
					item.Lines++
				}
			}
		}
		listing = append(listing, item)
	}
	encoded, err := json.MarshalIndent(listing, "", "  ")
	if err != nil {
		fmt.Println("Marshal:", err)
		os.Exit(1)
	}
	fmt.Println(string(encoded))
	if err := os.WriteFile("listing.json", encoded, 0o644); err != nil {
		fmt.Println("WriteFile:", err)
		os.Exit(1)
	}
	back, err := os.ReadFile("listing.json")
	if err != nil {
		fmt.Println("ReadFile back:", err)
		os.Exit(1)
	}
	var decoded []entry
	if err := json.Unmarshal(back, &decoded); err != nil {
		fmt.Println("Unmarshal:", err)
		os.Exit(1)
	}
	fmt.Println("decoded", len(decoded), "entries; first", decoded[0].Name, "last", decoded[len(decoded)-1].Name)
}
