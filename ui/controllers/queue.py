"""The upload queue and watched folders, as the settings screen and the queue strip show them."""

from __future__ import annotations

from pathlib import Path

from .base import Feature


class QueueController(Feature):
    def refresh(self) -> None:
        """Copy the queue and the watched folders onto the screen's state (cheap: a diskcache read)."""
        self.state.queue.refresh(self.core.queue.items(), self.core.queue.paused_all)
        folders = [str(p) for p in self.core.watcher.folders()]
        if folders != list(self.state.watched_folders):
            self.state.watched_folders = folders

    def action(self, action: str, item_id: str | None = None) -> None:
        queue = self.core.queue
        {"pause": lambda: queue.pause(item_id), "resume": lambda: queue.resume(item_id),
         "cancel": lambda: queue.cancel(item_id), "remove": lambda: queue.remove(item_id),
         "clear": queue.clear_finished, "retry_all": queue.retry_now,
         "pause_all": lambda: queue.set_paused_all(True), "resume_all": lambda: queue.set_paused_all(False)}[action]()
        self.state.queue.refresh(queue.items(), queue.paused_all)

    def cancel_upload(self, item_id: str) -> None:
        self.core.queue.cancel(item_id)

    def add_watched_folder(self, folder: str) -> bool:
        if self.core.per_browser:
            self.toast("Watched folders belong to the desktop app: in a browser they would watch the server's disk.")
            return False
        try:
            self.core.watcher.add_folder(Path(folder))
        except OSError as error:
            self.toast(str(error))
            return False
        self.state.watched_folders = [str(p) for p in self.core.watcher.folders()]
        return True

    def remove_watched_folder(self, folder: str) -> None:
        self.core.watcher.remove_folder(Path(folder))
        self.state.watched_folders = [str(p) for p in self.core.watcher.folders()]
