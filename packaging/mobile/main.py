"""The phone app's entry point (``flet build apk|ipa`` runs it; docs/mobile.md): the desktop app's UI.

On a phone Flet runs this Python inside the app and the Flutter host draws the same screens as the desktop
window; the client keeps its folder (sign-in, caches, upload queue) in the app's private storage.
"""

from ui.app import run_desktop

run_desktop()
