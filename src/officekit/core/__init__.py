"""The officekit core: kernel, store, profiles, plugins and the operation desks."""
