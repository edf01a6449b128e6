print("fake-provider")
