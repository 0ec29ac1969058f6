package dev.tandem.sync.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkLimiterTest {
  @Test
  void beyondCapacity_withNoWaitersAllowed_isRefusedAtOnce() {
    WorkLimiter limiter = new WorkLimiter("pulls", 2, 0, 60_000);
    WorkLimiter.Place a = limiter.acquire();
    WorkLimiter.Place b = limiter.acquire();

    ApiException e = assertThrows(ApiException.class, limiter::acquire);

    assertEquals(503, e.status());
    assertEquals("overloaded", e.code());
    a.close();
    limiter.acquire().close();
    b.close();
    assertEquals(2, limiter.peakBusy());
  }

  @Test
  void waiter_getsThePlaceFreedWithinItsWait() throws Exception {
    WorkLimiter limiter = new WorkLimiter("pulls", 1, 1, 30_000);
    WorkLimiter.Place held = limiter.acquire();
    CompletableFuture<WorkLimiter.Place> waiter = CompletableFuture.supplyAsync(limiter::acquire);

    held.close();

    waiter.get(30, TimeUnit.SECONDS).close();
    assertEquals(1, limiter.peakBusy());
  }

  @Test
  void waiter_isRefusedWhenNothingFreesInTime() {
    WorkLimiter limiter = new WorkLimiter("pulls", 1, 5, 50);
    try (WorkLimiter.Place held = limiter.acquire()) {
      assertEquals(503, assertThrows(ApiException.class, limiter::acquire).status());
    }
  }

  @Test
  void closingAPlaceTwice_freesItOnce() {
    WorkLimiter limiter = new WorkLimiter("pulls", 1, 0, 0);
    WorkLimiter.Place p = limiter.acquire();
    p.close();
    p.close();
    WorkLimiter.Place again = limiter.acquire();
    assertThrows(ApiException.class, limiter::acquire);
    again.close();
  }
}
