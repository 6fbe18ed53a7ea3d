// C++'s iostream, std::thread, std::mutex and std::condition_variable, statically linked: glibc's pthreads and
// futex under the C++ runtime (whose start-up alone calls pthread_once). Only the main thread prints.
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

int main()
{
	std::mutex lock;
	std::condition_variable ready;
	long total = 0;
	int started = 0;
	std::vector<std::thread> threads;
	for (int i = 1; i <= 4; i++)
		threads.emplace_back([&, i] {
			{
				std::unique_lock<std::mutex> held(lock);
				started++;
				ready.notify_all();
				ready.wait(held, [&] { return started == 4; });
			}
			for (int n = 0; n < 1000; n++) {
				std::lock_guard<std::mutex> held(lock);
				total += i;
			}
		});
	for (auto &t : threads)
		t.join();
	std::cout << "4 std::threads under a std::mutex: " << total << " (want 10000)" << std::endl;
	std::cout << "hardware_concurrency > 0: " << (std::thread::hardware_concurrency() > 0) << std::endl;
	return 0;
}
