// iostream, std::thread, std::mutex, std::condition_variable and std::call_once:
// a static C++ program runs glibc's pthread_once and futex calls before main.
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>
#include <vector>

int main()
{
    std::cout << "hello from iostream" << std::endl;
    std::mutex lock;
    long total = 0;
    int initialised = 0;
    std::once_flag once;
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; t++) {
        threads.emplace_back([&, t] {
            std::call_once(once, [&] { initialised++; });
            for (int i = 0; i < 10000; i++) {
                std::lock_guard<std::mutex> guard(lock);
                total += t;
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    std::cout << "total " << total << ", call_once ran " << initialised << " time(s)" << std::endl;

    // A handshake through a condition variable: the reply comes only after the request.
    std::condition_variable changed;
    int stage = 0;
    std::ostringstream log;
    std::thread responder([&] {
        std::unique_lock<std::mutex> guard(lock);
        changed.wait(guard, [&] { return stage == 1; });
        log << "request seen; ";
        stage = 2;
        changed.notify_all();
    });
    {
        std::unique_lock<std::mutex> guard(lock);
        stage = 1;
        changed.notify_all();
        changed.wait(guard, [&] { return stage == 2; });
        log << "reply seen";
    }
    responder.join();
    std::cout << log.str() << std::endl;
    std::vector<int> numbers(100);
    std::iota(numbers.begin(), numbers.end(), 1);
    std::cout << "sum 1..100 = " << std::accumulate(numbers.begin(), numbers.end(), 0) << std::endl;
    return total == 10000L * (0 + 1 + 2 + 3 + 4 + 5) && initialised == 1 ? 0 : 2;
}
